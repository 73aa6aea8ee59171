from django.urls import path

from treatments import program_views

app_name = "programs"

urlpatterns = [
    path("<uuid:program_uuid>/handout/", program_views.handout, name="handout"),
    path("<uuid:program_uuid>/handout.pdf", program_views.handout_pdf_download, name="pdf"),
    path("invite/<uuid:patient_uuid>/", program_views.portal_invite, name="invite"),
]
