from django import forms

from revere.plain_messages import PlainMessagesMixin


class CodeForm(PlainMessagesMixin, forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        strip=True,
        help_text="The 6-digit code from your authenticator app, or one of your backup codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )

    def clean_code(self):
        code = self.cleaned_data["code"]
        if "\x00" in code:
            raise forms.ValidationError("Type the code only.")
        return code


class EnrolmentCodeForm(CodeForm):
    code = forms.CharField(
        label="Code from the app",
        max_length=32,
        strip=True,
        help_text="The 6-digit code the app shows for this account.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )
