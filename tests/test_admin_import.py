"""The admin's import page (negotiations.admin_import): curators only, same importer, report."""

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from negotiations import roles
from negotiations.admin_import import import_view
from negotiations.models import Round
from tests import factories as f

HEADER = b"agreement,number,kind,title,city,country,format,start_date,end_date,status,summary,source_url\n"


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def call(user, data=None):
    factory = RequestFactory()
    request = factory.post("/admin/import/", data) if data is not None else factory.get("/admin/import/")
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    response = import_view(request)
    if hasattr(response, "render"):
        response.render()
    return response


def upload(text: bytes, name="rounds.csv"):
    return SimpleUploadedFile(name, text, content_type="text/csv")


def test_only_curators_may_import(db):
    official = f.user(role=roles.OFFICIAL, is_staff=True)
    with pytest.raises(PermissionDenied):
        call(official)
    plain = f.user()
    assert call(plain).status_code == 302  # to the admin login


def test_the_form_lists_the_columns_of_each_kind(db):
    page = call(f.user(role=roles.CURATOR)).content.decode()
    assert "round_number, chapter, status, note, visibility" in page


def test_bad_rows_are_listed_with_line_column_reason_and_nothing_is_written(db):
    f.agreement(slug="india-peru")
    curator = f.user(role=roles.CURATOR)
    text = HEADER + b"india-peru,1,,,,,,2017,,held,,\nnope,2,,,,,,2017-02-30,,held,,\n"
    response = call(curator, {"kind": "rounds", "file": upload(text)})
    page = response.content.decode()
    assert response.status_code == 400
    assert "<td>3</td><td>agreement</td>" in page
    assert "<td>3</td><td>start_date</td>" in page
    assert Round.objects.count() == 0


def test_dry_run_then_import(db):
    f.agreement(slug="india-peru")
    curator = f.user(role=roles.CURATOR)
    text = HEADER + b"india-peru,1,,,,,,2017,,held,,\n"
    page = call(curator, {"kind": "rounds", "file": upload(text), "dry_run": "on"}).content.decode()
    assert "Dry run" in page and Round.objects.count() == 0
    page = call(curator, {"kind": "rounds", "file": upload(text)}).content.decode()
    assert "1 created" in page
    assert Round.objects.get().history.first().history_user == curator


def test_other_file_types_are_refused(db):
    curator = f.user(role=roles.CURATOR)
    page = call(curator, {"kind": "rounds", "file": upload(b"x", name="rounds.xlsx")}).content.decode()
    assert "Name the file .csv or .json." in page


def test_the_page_is_served_under_the_admin(db, client):
    curator = f.user(role=roles.CURATOR)
    client.force_login(curator)
    response = client.get("/admin/import/")
    assert response.status_code == 200
    assert "Import a spreadsheet" in response.content.decode()
    client.force_login(f.user(role=roles.OFFICIAL, is_staff=True))
    assert client.get("/admin/import/").status_code == 403
