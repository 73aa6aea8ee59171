import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import TrigramStrictWordSimilarity, TrigramWordSimilarity
from django.db import models
from django.db.models import ExpressionWrapper, F, Func, Q, Value
from django.db.models.functions import Concat, Lower
from django.utils import timezone

from patients.search import parse_date, phone_digits
from revere import roles
from revere.history import track_changes


@track_changes()
class Practitioner(models.Model):
    """A physiotherapist's clinic profile, one-to-one with their staff login."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="practitioner"
    )
    display_name = models.CharField(max_length=120)
    registration_number = models.CharField(
        max_length=40, unique=True, help_text="Professional college registration number."
    )
    active = models.BooleanField(default=True)
    online_booking = models.BooleanField(
        "Bookable online",
        default=True,
        help_text="Patients may choose this practitioner on the online booking page and in the "
        "portal (issue 13).",
    )

    class Meta:
        ordering = ["display_name"]

    def __str__(self):
        return self.display_name


# pg_trgm's own word-similarity threshold (0.6) misses a single transposed letter in a short
# name ("Jonhson" scores 0.33 against "Johnson"); 0.3 is its plain-similarity default. The
# index-backed operator ``<%`` reads the threshold from the connection's settings, so it is set
# there (settings.DATABASES OPTIONS, ``-c pg_trgm.word_similarity_threshold``): no extra query.
NAME_SIMILARITY_THRESHOLD = 0.3

# One word of the name holding exactly the letters typed, in any order: a transposed-letter typo
# ("menodza" for Mendoza) scores no better on trigrams than many other names (Menon, Mena), so this
# ranks the name it was meant to be first. Issue 11: each word's letters, sorted, are stored in a
# generated column (``name_letter_words``, by this SQL function, migration 0016) with a GIN index,
# so the search finds such names by index and ranks them without computing anything per row (a
# per-row function cost 0.15 s of a 0.3 s search at 100,000 patients).
LETTER_WORDS_FUNCTION = "patient_name_letter_words"


def _letters(text: str) -> str:
    """The letters of one word sorted by code point, as the function's COLLATE "C" sorts them."""
    return "".join(sorted(text))


class PatientQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)

    def archived(self):
        return self.filter(archived_at__isnull=False)

    def with_merged(self, patient):
        """The ids of ``patient`` and of the records merged into it, as a subquery: filter
        ``patient__in=Patient.objects.with_merged(p)``. Issue 11: the OR of the two across a
        join (``Q(patient=p) | Q(patient__merged_into=p)``) made PostgreSQL hash-join whole
        tables (0.5 s for a patient's visits among 300,000); this reads two indexes."""
        pk = getattr(patient, "pk", patient)
        return self.filter(models.Q(pk=pk) | models.Q(merged_into=pk)).values("pk")

    def visible_to(self, user):
        """The patients ``user`` may open: every active record for clinic staff, their own for a
        portal user, nothing for anyone else. Archived records are left out (see ``archived``)."""
        if roles.is_clinic_staff(user):
            return self.active()
        if roles.is_patient_user(user):
            return self.active().filter(user=user)
        return self.none()

    def search(self, text: str):
        """One search box across name, phone, email and date of birth.

        Names match on a substring or on trigram word similarity (so "Jonhson" finds Johnson);
        a query with enough digits matches the phone ignoring punctuation; an email matches on a
        substring; an ISO or d/m/y date matches the date of birth exactly. Every condition is
        one the indexes answer (trigram GIN on ``search_name``, ``phone_digits`` and
        ``lower(email)``, btree on ``date_of_birth``): PostgreSQL ORs their bitmaps instead of
        reading the table. Order: what the text matches as typed (a name fragment, an email, a
        phone, a date of birth), then a name with a word of exactly the letters typed (a
        transposition: "menodza" for Mendoza), then word similarity, then the stricter
        whole-word similarity, then the name.
        """
        text = " ".join(text.split()).lower()
        if not text:
            return self
        exact = Q(search_name__contains=text) | Q(email_lower__contains=text)
        digits = phone_digits(text)
        if len(digits) >= 3 and len(digits) >= len(text.replace(" ", "")) - 4:
            exact |= Q(phone_digits__contains=digits)
        birth_date = parse_date(text)
        if birth_date is not None:
            exact |= Q(date_of_birth=birth_date)
        ranks = {
            "exact_match": ExpressionWrapper(exact, output_field=models.BooleanField()),
            "name_rank": TrigramWordSimilarity(text, "search_name"),
            "name_strict_rank": TrigramStrictWordSimilarity(text, "search_name"),
        }
        order = ["-exact_match", "-name_rank", "-name_strict_rank"]
        found = exact | Q(search_name__trigram_word_similar=text)
        if " " not in text:
            same_letters = Q(name_letter_words__contains=[_letters(text)])
            found |= same_letters
            ranks["name_same_letters"] = ExpressionWrapper(
                same_letters, output_field=models.BooleanField()
            )
            order.insert(1, "-name_same_letters")
        return (
            self.alias(email_lower=Lower("email"))
            .filter(found)
            .annotate(**ranks)
            .order_by(*order, "last_name", "first_name", "pk")
        )


class ReferralSource(models.TextChoices):
    SELF = "self", "Self-referred"
    PHYSICIAN = "physician", "Physician"
    OTHER_PRACTITIONER = "practitioner", "Other health practitioner"
    PATIENT = "patient", "Another patient"
    WEB = "web", "Website or search"
    INSURER = "insurer", "Insurer or employer"
    OTHER = "other", "Other"


@track_changes(exclude=["updated_at"])
class Patient(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    preferred_name = models.CharField(max_length=80, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    # Derived by the database, so search ignores punctuation and letter case.
    phone_digits = models.GeneratedField(
        expression=Func(
            F("phone"), Value("[^0-9]"), Value(""), Value("g"), function="regexp_replace"
        ),
        output_field=models.CharField(max_length=32),
        db_persist=True,
    )
    search_name = models.GeneratedField(
        expression=Lower(Concat(F("first_name"), Value(" "), F("last_name"))),
        output_field=models.CharField(max_length=161),
        db_persist=True,
    )
    # Issue 11: the letters of each word of the name, sorted ("mendoza" -> "ademnoz"), for the
    # search's transposed-letter match. From the names themselves: PostgreSQL does not let a
    # generated column read another one (search_name).
    name_letter_words = models.GeneratedField(
        expression=Func(
            Lower(Concat(F("first_name"), Value(" "), F("last_name"))),
            function=LETTER_WORDS_FUNCTION,
        ),
        output_field=ArrayField(models.CharField(max_length=161)),
        db_persist=True,
    )
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True)
    emergency_contact_name = models.CharField(max_length=120, blank=True)
    emergency_contact_phone = models.CharField(max_length=32, blank=True)
    emergency_contact_relationship = models.CharField(max_length=60, blank=True)
    referral_source = models.CharField(max_length=20, choices=ReferralSource.choices, blank=True)
    referral_note = models.CharField(
        max_length=200, blank=True, help_text="Who referred the patient, if known."
    )
    consent_iastr_at = models.DateTimeField(null=True, blank=True)
    consent_iastr_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="patient",
        help_text="Portal login, if the patient has one.",
    )
    # The latest invitation to the portal; by is empty when the patient asked for a fresh link.
    portal_invited_at = models.DateTimeField(null=True, blank=True)
    portal_invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Set when the manager merged this duplicate into another record (it is archived then): the
    # visits signed here stay on this row (signed rows are locked) and the kept record lists them.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_records",
    )

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        indexes = [
            GinIndex(OpClass(F("search_name"), name="gin_trgm_ops"), name="patient_name_trgm"),
            GinIndex(OpClass(F("phone_digits"), name="gin_trgm_ops"), name="patient_phone_trgm"),
            models.Index(fields=["date_of_birth"], name="patient_dob_idx"),
            GinIndex(fields=["name_letter_words"], name="patient_name_letters_gin"),
            # Possible duplicates at registration look emails up ignoring case.
            models.Index(Lower("email"), name="patient_email_lower_idx"),
            # Issue 11: the search box's email fragment (LIKE '%x%' on lower(email)).
            GinIndex(OpClass(Lower("email"), name="gin_trgm_ops"), name="patient_email_trgm"),
            # The patient list in its order: a page is an index range (the few archived rows are
            # skipped as it reads). Not partial (active only): a partial index also answers any
            # query on active records read whole, which the planner may then prefer to the
            # search's trigram indexes.
            models.Index(fields=["last_name", "first_name", "id"], name="patient_list_order_idx"),
            # The manager's archived list, latest first.
            models.Index(
                F("archived_at").desc(),
                F("id"),
                condition=Q(archived_at__isnull=False),
                name="patient_archived_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(first_name="") & ~Q(last_name=""), name="patient_names_required"
            ),
            models.CheckConstraint(
                condition=Q(consent_iastr_at__isnull=True)
                | Q(consent_iastr_recorded_by__isnull=False),
                name="patient_consent_has_recorder",
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def has_iastr_consent(self) -> bool:
        return self.consent_iastr_at is not None

    @property
    def details_incomplete(self) -> bool:
        """A new caller booked with only a name and phone: the front desk completes the record
        (date of birth at least) before the first visit."""
        return self.date_of_birth is None

    def age_on(self, day) -> int | None:
        if self.date_of_birth is None:
            return None
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))

    @property
    def age(self) -> int | None:
        return self.age_on(timezone.localdate())
