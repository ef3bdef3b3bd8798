"""The admin is the curators' interface: every page renders, and its writes keep the rules."""

import datetime as dt
import re

import pytest
from django.contrib import admin
from django.urls import reverse

from negotiations import roles
from negotiations.choices import AgreementStatus, RoundStatus, Visibility
from negotiations.models import Agreement, Round, StatusEvent
from tests import factories

pytestmark = pytest.mark.django_db

NEGOTIATION_MODELS = [model for model in admin.site._registry if model._meta.app_label == "negotiations"]


@pytest.fixture
def curator_client(client, seeded):
    curator = factories.user("curator", role=roles.CURATOR)
    client.force_login(curator)
    client.user = curator
    return client


def test_every_negotiations_model_is_registered():
    from django.apps import apps

    # The audit trail's tables and the data version (bumped by every write) are not edited by hand.
    assert set(apps.get_app_config("negotiations").get_models()) - set(NEGOTIATION_MODELS) == {
        model
        for model in apps.get_app_config("negotiations").get_models()
        if model.__name__.startswith("Historical") or model.__name__ == "DataVersion"
    }


@pytest.mark.parametrize("model", NEGOTIATION_MODELS, ids=lambda model: model.__name__)
def test_changelist_add_change_and_history_pages_render(curator_client, model):
    info = model._meta.app_label, model._meta.model_name
    assert curator_client.get(reverse("admin:{}_{}_changelist".format(*info))).status_code == 200
    assert curator_client.get(reverse("admin:{}_{}_add".format(*info))).status_code == 200
    obj = model.objects.first()
    assert obj is not None, f"the seed data has no {model.__name__}"
    assert curator_client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk])).status_code == 200
    assert curator_client.get(reverse("admin:{}_{}_history".format(*info), args=[obj.pk])).status_code == 200


def test_changelist_filters_and_search_work(curator_client):
    url = reverse("admin:negotiations_round_changelist")
    response = curator_client.get(url, {"q": "Lima", "status__exact": RoundStatus.HELD, "year": "2025"})
    assert response.status_code == 200
    assert [r.number for r in response.context["cl"].result_list] == [9]
    response = curator_client.get(reverse("admin:negotiations_agreement_changelist"), {"kind__exact": "cepa"})
    slugs = [a.slug for a in response.context["cl"].result_list]
    assert "india-chile-cepa" in slugs
    assert set(Agreement.objects.filter(slug__in=slugs).values_list("kind", flat=True)) == {"cepa"}


def test_adding_a_status_event_in_the_admin_recomputes_the_status_and_records_the_user(curator_client):
    agreement = Agreement.objects.get(slug="india-peru-ta")
    response = curator_client.post(
        reverse("admin:negotiations_statusevent_add"),
        {
            "agreement": agreement.pk,
            "status": AgreementStatus.CONCLUDED,
            "date": "2026-05-06",
            "date_precision": "day",
            "sequence": 0,
            "note": "Concluded.",
            "citations-TOTAL_FORMS": 0,
            "citations-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content[:2000]
    agreement.refresh_from_db()
    assert agreement.current_status == AgreementStatus.CONCLUDED
    event = StatusEvent.objects.get(agreement=agreement, status=AgreementStatus.CONCLUDED)
    assert event.history.latest().history_user == curator_client.user


def test_deleting_a_status_event_recomputes_and_keeps_history(curator_client):
    agreement = Agreement.objects.get(slug="mexico-peru-ace8")
    superseded = agreement.status_events.get(status=AgreementStatus.SUPERSEDED)
    response = _confirm_delete(curator_client, superseded)
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.current_status == AgreementStatus.IN_FORCE
    deleted = StatusEvent.history.filter(id=superseded.pk, history_type="-").get()
    assert deleted.history_user == curator_client.user


def test_bulk_round_action_writes_a_history_row_per_round(curator_client):
    rounds = Round.objects.filter(agreement__slug="india-chile-pta")
    response = curator_client.post(
        reverse("admin:negotiations_round_changelist"),
        {"action": "mark_postponed", "_selected_action": list(rounds.values_list("pk", flat=True))},
    )
    assert response.status_code == 302
    for round_ in rounds:
        assert round_.status == RoundStatus.POSTPONED
        latest = round_.history.latest()
        assert latest.history_user == curator_client.user
        assert latest.history_change_reason == "admin bulk action"
        assert round_.version == 2


def admin_form_data(page) -> dict:
    """The POST data an admin change page would send unchanged, inlines included."""
    form = page.context["adminform"].form
    data = {name: "" if form[name].value() is None else form[name].value() for name in form.fields}
    for formset in page.context.get("inline_admin_formsets", []):
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
        for inline_form in formset.formset.forms:
            for name in inline_form.fields:
                value = inline_form[name].value()
                data[f"{inline_form.prefix}-{name}"] = "" if value is None else value
    return data


def save_in_admin(client, change_url: str, **changes):
    """Open an admin change page, change some fields, save it, and expect the redirect."""
    data = {**admin_form_data(client.get(change_url)), **changes}
    response = client.post(change_url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""


def test_admin_edit_of_a_round_bumps_its_version(curator_client):
    round_ = Round.objects.get(agreement__slug="india-peru-ta", number=9)
    save_in_admin(
        curator_client, reverse("admin:negotiations_round_change", args=[round_.pk]), summary="Edited by a curator."
    )
    round_.refresh_from_db()
    assert round_.summary == "Edited by a curator."
    assert round_.version == 2


def test_saving_an_agreement_with_its_inlines_keeps_rounds_and_recomputes(curator_client):
    agreement = Agreement.objects.get(slug="india-peru-ta")
    save_in_admin(
        curator_client, reverse("admin:negotiations_agreement_change", args=[agreement.pk]), summary="Curated summary."
    )
    agreement.refresh_from_db()
    assert agreement.summary == "Curated summary."
    assert agreement.rounds.count() == 12
    assert agreement.current_status == AgreementStatus.UNDER_NEGOTIATION


def test_the_admin_is_for_curators_only(client, seeded):
    """Officials edit on the site, where per-agreement rules apply; the admin has none, so they stay out."""
    round_ = Round.objects.get(agreement__slug="india-peru-ta", number=9)
    secret = factories.note(round_, "CONFIDENTIAL-ADMIN-CANARY", visibility=Visibility.CONFIDENTIAL)
    official = factories.user("official", role=roles.OFFICIAL, is_staff=True)
    round_.agreement.editors.add(official)  # even an assigned official
    client.force_login(official)
    event = round_.agreement.status_events.first()
    for url in [
        reverse("admin:index"),
        reverse("admin:negotiations_progressnote_changelist"),
        reverse("admin:negotiations_progressnote_change", args=[secret.pk]),
        reverse("admin:negotiations_progressnote_history", args=[secret.pk]),
        reverse("admin:negotiations_round_delete", args=[round_.pk]),
        reverse("admin:negotiations_statusevent_delete", args=[event.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url
        assert b"CONFIDENTIAL-ADMIN-CANARY" not in response.content
    client.post(reverse("admin:negotiations_statusevent_delete", args=[event.pk]), {"post": "yes"})
    assert StatusEvent.objects.filter(pk=event.pk).exists()


def test_status_date_is_not_editable_in_the_admin(curator_client):
    agreement = Agreement.objects.get(slug="india-peru-ta")
    form = (
        curator_client.get(reverse("admin:negotiations_agreement_change", args=[agreement.pk]))
        .context["adminform"]
        .form
    )
    assert "current_status" not in form.fields
    assert "status_date" not in form.fields
    assert dt.date(2025, 8, 1) == agreement.status_date  # the 8th round, August 2025


def test_admin_index_links_to_the_import_page_which_is_wired_for_curators_only(curator_client, client):
    index = curator_client.get(reverse("admin:index"))
    assert reverse("admin-import").encode() in index.content
    assert curator_client.get(reverse("admin-import")).status_code == 200
    official = factories.user("staff-official", role=roles.OFFICIAL, is_staff=True)
    client.force_login(official)
    assert client.get(reverse("admin-import")).status_code == 403


def test_link_tables_are_inlines_only_not_index_sections(curator_client):
    index = curator_client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:negotiations_round_changelist") in index
    for model in ["agreementsource", "roundsource", "statuseventsource", "agreementparty"]:
        assert reverse(f"admin:negotiations_{model}_changelist") not in index, model
    agreement = Agreement.objects.get(slug="india-peru-ta")
    page = curator_client.get(reverse("admin:negotiations_agreement_change", args=[agreement.pk])).content.decode()
    assert 'id="citations-group"' in page and 'id="agreement_parties-group"' in page  # still edited here
    assert '<link rel="stylesheet" href="/static/css/admin.css">' in page


def test_a_curator_creates_an_official_account_but_cannot_grant_superuser(client, db):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    curator = factories.user("cura", role=roles.CURATOR)
    assert curator.is_staff and not curator.is_superuser
    client.force_login(curator)
    added = client.post(
        reverse("admin:auth_user_add"),
        {"username": "ana", "password1": "a-long-enough-passphrase", "password2": "a-long-enough-passphrase"},
    )
    assert added.status_code == 302, added.content[:500]
    ana = get_user_model().objects.get(username="ana")
    change_url = reverse("admin:auth_user_change", args=[ana.pk])
    form = client.get(change_url).context["adminform"].form
    assert "is_superuser" not in form.fields and "user_permissions" not in form.fields
    official = Group.objects.get(name=roles.OFFICIAL)
    response = client.post(
        change_url,
        {
            "username": "ana",
            "is_active": "on",
            "groups": [official.pk],
            "is_superuser": "on",  # ignored: read-only for curators
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    ana.refresh_from_db()
    assert list(ana.groups.all()) == [official] and not ana.is_superuser
    boss = get_user_model().objects.create_superuser("boss", password="x-very-long-password")
    assert client.get(reverse("admin:auth_user_change", args=[boss.pk])).status_code == 302  # not found → redirect
    assert client.get(reverse("admin:knox_authtoken_changelist")).status_code == 200


def test_moving_a_status_event_to_another_agreement_recomputes_both(curator_client):
    pta = Agreement.objects.get(slug="india-chile-pta")
    cepa = Agreement.objects.get(slug="india-chile-cepa")
    latest = pta.status_events.order_by("-date").first()  # in force, 16 May 2017
    url = reverse("admin:negotiations_statusevent_change", args=[latest.pk])
    response = curator_client.post(
        url,
        {
            "agreement": cepa.pk,
            "status": latest.status,
            "date": "2026-06-01",
            "date_precision": "day",
            "sequence": 0,
            "note": latest.note,
            "citations-TOTAL_FORMS": 0,
            "citations-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    pta.refresh_from_db()
    cepa.refresh_from_db()
    assert (pta.current_status, pta.status_date) == (AgreementStatus.IN_FORCE, dt.date(2007, 8, 17))
    assert (cepa.current_status, cepa.status_date) == (AgreementStatus.IN_FORCE, dt.date(2026, 6, 1))


def test_admin_agreement_page_query_count_does_not_grow_with_rounds(curator_client, django_assert_max_num_queries):
    agreement = Agreement.objects.get(slug="mexico-peru-tia")
    url = reverse("admin:negotiations_agreement_change", args=[agreement.pk])

    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert curator_client.get(url).status_code == 200
        return len(queries)

    for number in range(1, 4):
        factories.round_(agreement, number=number, venue=factories.venue("Lima", "PER"))
    few = count_queries()
    for number in range(4, 40):
        factories.round_(agreement, number=number, venue=factories.venue("Mexico City", "MEX"))
    assert count_queries() == few


def test_bulk_retiring_chapters_writes_history(curator_client):
    from negotiations.models import Chapter

    chapters = Chapter.objects.filter(code__in=["GEN", "SFS"])
    response = curator_client.post(
        reverse("admin:negotiations_chapter_changelist"),
        {"action": "retire", "_selected_action": list(chapters.values_list("pk", flat=True))},
    )
    assert response.status_code == 302
    for chapter in chapters:
        assert not chapter.is_active
        assert chapter.history.latest().history_user == curator_client.user


def test_agreement_page_links_to_adding_a_round_for_it(curator_client):
    agreement = Agreement.objects.get(slug="india-peru-ta")
    page = curator_client.get(reverse("admin:negotiations_agreement_change", args=[agreement.pk]))
    link = f"{reverse('admin:negotiations_round_add')}?agreement={agreement.pk}"
    assert link.encode() in page.content
    form = curator_client.get(link).context["adminform"].form
    assert str(form.initial["agreement"]) == str(agreement.pk)


# --- Saves claim the version each row had when the page was loaded -----------------------------

CHANGED_MESSAGE = "was changed by someone else after you opened this page"


def _stale_save(client, change_url: str, colleague, **changes):
    """Open an admin page, let a colleague change the record meanwhile, then save the page."""
    data = {**admin_form_data(client.get(change_url)), **changes}
    colleague()
    return client.post(change_url, data)


def _inline_prefix_of(data: dict, formset: str, pk: int) -> str:
    """The form prefix of the row ``pk`` in the inline ``formset`` (e.g. ``progress-0``)."""
    return next(
        key[: -len("-id")]
        for key, value in data.items()
        if key.startswith(f"{formset}-") and key.endswith("-id") and str(value) == str(pk)
    )


def _assert_refused(response):
    assert response.status_code == 200, "a stale save must not redirect as if saved"
    assert CHANGED_MESSAGE in response.content.decode()
    assert CHANGED_MESSAGE in " ".join(response.context["adminform"].form.non_field_errors())


def test_a_stale_round_page_is_refused_and_keeps_the_colleagues_change(curator_client):
    from negotiations import services

    round_ = Round.objects.get(agreement__slug="india-peru-ta", number=9)
    url = reverse("admin:negotiations_round_change", args=[round_.pk])
    response = _stale_save(
        curator_client,
        url,
        lambda: services.round_update(round=round_, expected_version=round_.version, summary="The colleague's."),
        summary="The curator's.",
    )
    _assert_refused(response)
    assert response.context["adminform"].form["summary"].value() == "The curator's."  # their input is kept
    round_.refresh_from_db()
    assert (round_.summary, round_.version) == ("The colleague's.", 2)
    assert not round_.history.filter(summary="The curator's.").exists()


@pytest.mark.parametrize("row", ["chapter row", "note"])
def test_a_stale_inline_row_is_refused_and_nothing_is_saved(curator_client, row):
    from negotiations import services

    round_ = Round.objects.get(agreement__slug="india-peru-ta", number=9)
    if row == "chapter row":
        target = round_.progress.first()
        field, colleague = (
            "note",
            lambda: services.chapter_progress_update(
                progress=target, expected_version=target.version, note="The colleague's."
            ),
        )
    else:
        target = factories.note(round_, "A note as it was.")
        field, colleague = (
            "text",
            lambda: services.note_update(note=target, expected_version=target.version, text="The colleague's."),
        )
    url = reverse("admin:negotiations_round_change", args=[round_.pk])
    page = admin_form_data(curator_client.get(url))
    prefix = _inline_prefix_of(page, "progress" if row == "chapter row" else "notes", target.pk)
    colleague()
    response = curator_client.post(url, {**page, f"{prefix}-{field}": "The curator's.", "summary": "Also edited."})
    _assert_refused(response)
    target.refresh_from_db()
    round_.refresh_from_db()
    assert getattr(target, field) == "The colleague's."
    assert round_.summary != "Also edited." and round_.version == 1  # the round's own save is rolled back too


def test_a_stale_status_event_inline_on_the_agreement_page_is_refused(curator_client):
    from negotiations import services

    agreement = Agreement.objects.get(slug="india-peru-ta")
    event = agreement.status_events.order_by("date").first()
    url = reverse("admin:negotiations_agreement_change", args=[agreement.pk])
    page = admin_form_data(curator_client.get(url))
    prefix = _inline_prefix_of(page, "status_events", event.pk)
    services.status_event_update(event=event, expected_version=event.version, note="The colleague's.")
    response = curator_client.post(url, {**page, f"{prefix}-note": "The curator's."})
    _assert_refused(response)
    event.refresh_from_db()
    assert event.note == "The colleague's."


@pytest.mark.parametrize("model", [Agreement, StatusEvent, "ChapterProgress", "ProgressNote"], ids=str)
def test_each_versioned_record_page_refuses_a_stale_save(curator_client, model):
    from negotiations import models, services

    round_ = Round.objects.get(agreement__slug="india-peru-ta", number=9)
    if model == "ChapterProgress":
        obj = round_.progress.first()
        field, change = "note", lambda: services.chapter_progress_update(progress=obj, expected_version=None, note="C")
    elif model == "ProgressNote":
        obj = factories.note(round_, "A note as it was.")
        field, change = "text", lambda: services.note_update(note=obj, expected_version=None, text="C")
    elif model is StatusEvent:
        obj = round_.agreement.status_events.first()
        field, change = "note", lambda: services.status_event_update(event=obj, note="C")
    else:
        obj = round_.agreement
        field, change = "summary", lambda: services.agreement_update(agreement=obj, summary="C")
    model = getattr(models, model) if isinstance(model, str) else model
    url = reverse(f"admin:negotiations_{model._meta.model_name}_change", args=[obj.pk])
    response = _stale_save(curator_client, url, change, **{field: "The curator's."})
    _assert_refused(response)
    obj.refresh_from_db()
    assert getattr(obj, field) == "C"


def test_an_up_to_date_agreement_page_saves_through_the_service_with_its_editors(curator_client):
    agreement = Agreement.objects.get(slug="india-peru-ta")
    editor = factories.user("assigned-official", role=roles.OFFICIAL)
    url = reverse("admin:negotiations_agreement_change", args=[agreement.pk])
    save_in_admin(curator_client, url, slug="india-peru-fta", editors=[editor.pk], change_reason="Renamed.")
    agreement.refresh_from_db()
    assert (agreement.slug, agreement.version, list(agreement.editors.all())) == ("india-peru-fta", 2, [editor])
    latest = agreement.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (curator_client.user, "Renamed.")
    assert Agreement.objects.filter(slug="india-peru-ta").count() == 0


def test_reverting_from_the_history_claims_the_live_version(curator_client):
    from negotiations import services

    round_ = Round.objects.get(agreement__slug="india-peru-ta", number=9)
    first = round_.history.earliest()
    services.round_update(round=round_, expected_version=None, summary="Changed once.")
    url = reverse("admin:negotiations_round_simple_history", args=[round_.pk, first.history_id])
    page = curator_client.get(url)
    data = admin_form_data(page)
    assert str(data["loaded_version"]) == "2"  # the row as it is now, not as the history had it
    response = curator_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    round_.refresh_from_db()
    assert round_.summary == first.summary and round_.version == 3


def test_curators_edit_a_chapters_synonyms_in_both_languages(client, db):
    from negotiations.models import Chapter

    chapter = factories.chapter("TBT", "Technical Barriers to Trade")
    client.force_login(factories.user("cora", role=roles.CURATOR))
    url = f"/admin/negotiations/chapter/{chapter.pk}/change/"
    page = client.get(url)
    assert 'name="synonyms_en"' in page.content.decode() and 'name="synonyms_es"' in page.content.decode()
    save_in_admin(client, url, synonyms_en="standards", synonyms_es="OTC")
    chapter = Chapter.objects.get(pk=chapter.pk)
    assert (chapter.synonyms_en, chapter.synonyms_es) == ("standards", "OTC")
    found = client.get("/admin/negotiations/chapter/", {"q": "OTC"})
    assert "Technical Barriers to Trade" in found.content.decode()


def _page_with_one_more_status_event(client, agreement, date: dt.date, status: str):
    """The agreement page's POST data with one more status event."""
    url = reverse("admin:negotiations_agreement_change", args=[agreement.pk])
    data = admin_form_data(client.get(url))
    new = int(data["status_events-TOTAL_FORMS"])
    data["status_events-TOTAL_FORMS"] = new + 1
    row = {"date": date.isoformat(), "date_precision": "day", "sequence": 5, "status": status, "note": ""}
    data.update({f"status_events-{new}-{key}": value for key, value in row.items()})
    data["summary"] = "Edited with it."
    return url, data


def test_an_inline_row_repeating_a_natural_key_is_refused_with_the_models_message(curator_client):
    from negotiations.models import STATUS_EVENT_KEY_MESSAGE

    agreement = Agreement.objects.get(slug="india-peru-ta")
    event = agreement.status_events.order_by("date").first()
    before = agreement.status_events.count()
    url, data = _page_with_one_more_status_event(curator_client, agreement, event.date, event.status)
    response = curator_client.post(url, data)
    assert response.status_code == 200
    assert str(STATUS_EVENT_KEY_MESSAGE) in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status_events.count() == before and agreement.summary != "Edited with it."


def test_a_rule_only_the_database_catches_brings_the_page_back_with_its_message(curator_client, monkeypatch):
    """A colleague records the same event after the curator's form was checked and before it is
    saved: the form could not see it, the service's database key refuses the curator's row, and
    the page comes back with the rule's message, nothing saved (never a 500)."""
    from negotiations import services
    from negotiations.models import STATUS_EVENT_KEY_MESSAGE

    agreement = Agreement.objects.get(slug="india-peru-ta")
    before = agreement.status_events.count()
    day = dt.date(2019, 2, 3)
    url, data = _page_with_one_more_status_event(curator_client, agreement, day, AgreementStatus.PAUSED)
    record = services.status_event_record

    def colleague_first(**fields):
        monkeypatch.setattr(services, "status_event_record", record)
        record(agreement=agreement, status=AgreementStatus.PAUSED, date=day, note="The colleague's.")
        return record(**fields)

    monkeypatch.setattr(services, "status_event_record", colleague_first)
    response = curator_client.post(url, data)
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.non_field_errors())
    assert str(STATUS_EVENT_KEY_MESSAGE) in errors and "Nothing was saved." in errors
    agreement.refresh_from_db()
    assert agreement.summary != "Edited with it."
    assert agreement.status_events.count() == before


def test_reference_data_is_saved_and_deleted_through_its_service(curator_client, monkeypatch):
    from negotiations import services
    from negotiations.models import Source

    calls = []
    for name in ("reference_save", "reference_delete"):
        original = getattr(services, name)
        monkeypatch.setattr(
            services,
            name,
            lambda *, _original=original, _name=name, **kwargs: calls.append(_name) or _original(**kwargs),
        )
    source = factories.source(title="A press release")
    url = reverse("admin:negotiations_source_change", args=[source.pk])
    save_in_admin(curator_client, url, title="A corrected title")
    source.refresh_from_db()
    assert source.title == "A corrected title" and calls == ["reference_save"]
    assert source.history.latest().history_user == curator_client.user
    response = curator_client.post(reverse("admin:negotiations_source_delete", args=[source.pk]), {"post": "yes"})
    assert response.status_code == 302 and not Source.objects.filter(pk=source.pk).exists()
    assert calls == ["reference_save", "reference_delete"]


def test_a_source_link_typed_without_a_scheme_is_saved_as_https_as_on_the_site(curator_client):
    source = factories.source(title="A press release")
    url = reverse("admin:negotiations_source_change", args=[source.pk])
    save_in_admin(curator_client, url, url="mincetur.gob.pe/ronda")
    source.refresh_from_db()
    assert source.url == "https://mincetur.gob.pe/ronda"


# --- Deletes claim the version the confirmation page showed ---------------------------------------

DELETE_REFUSED = "was changed by someone else after you opened the page confirming its deletion"


def _delete_url(obj) -> str:
    return reverse(f"admin:negotiations_{obj._meta.model_name}_delete", args=[obj.pk])


def _confirm_delete(client, obj, colleague=None):
    """Open the delete confirmation of ``obj``, let a colleague change it meanwhile, then confirm."""
    page = client.get(_delete_url(obj))
    assert page.status_code == 200
    data = dict(re.findall(r'<input type="hidden" name="(post|loaded_version)" value="([^"]*)"', page.content.decode()))
    assert data == {"post": "yes", "loaded_version": str(obj.version)}
    if colleague is not None:
        colleague()
    return client.post(_delete_url(obj), data, follow=colleague is not None)


def _versioned_row(model: str):
    from negotiations import services

    round_ = Round.objects.get(agreement__slug="india-peru-ta", number=9)
    if model == "Round":
        return round_, "summary", lambda: services.round_update(round=round_, expected_version=None, summary="C")
    if model == "ChapterProgress":
        obj = round_.progress.first()
        return obj, "note", lambda: services.chapter_progress_update(progress=obj, expected_version=None, note="C")
    if model == "ProgressNote":
        obj = factories.note(round_, "A note as it was.")
        return obj, "text", lambda: services.note_update(note=obj, expected_version=None, text="C")
    if model == "StatusEvent":
        obj = round_.agreement.status_events.order_by("date").first()
        return obj, "note", lambda: services.status_event_update(event=obj, note="C")
    obj = Agreement.objects.get(slug="india-peru-ta")
    return obj, "summary", lambda: services.agreement_update(agreement=obj, summary="C")


VERSIONED = ["Agreement", "StatusEvent", "Round", "ChapterProgress", "ProgressNote"]


@pytest.mark.parametrize("model", VERSIONED)
def test_a_stale_delete_is_refused_and_keeps_the_colleagues_change(curator_client, model):
    obj, field, colleague = _versioned_row(model)
    response = _confirm_delete(curator_client, obj, colleague)
    change_url = reverse(f"admin:negotiations_{obj._meta.model_name}_change", args=[obj.pk])
    assert response.redirect_chain == [(change_url, 302)]
    assert DELETE_REFUSED in response.content.decode()
    assert type(obj).objects.filter(pk=obj.pk).exists()
    obj.refresh_from_db()
    assert getattr(obj, field) == "C"
    assert not type(obj).history.filter(id=obj.pk, history_type="-").exists()


@pytest.mark.parametrize("model", VERSIONED)
def test_an_up_to_date_delete_deletes_through_the_service(curator_client, model):
    obj, _field, _colleague = _versioned_row(model)
    response = _confirm_delete(curator_client, obj)
    assert response.status_code == 302
    assert not type(obj).objects.filter(pk=obj.pk).exists()
    assert type(obj).history.filter(id=obj.pk, history_type="-").get().history_user == curator_client.user


def test_a_delete_confirmed_without_a_version_is_refused(curator_client):
    round_ = Round.objects.get(agreement__slug="india-peru-ta", number=9)
    response = curator_client.post(_delete_url(round_), {"post": "yes"})
    assert response.status_code == 302
    assert Round.objects.filter(pk=round_.pk).exists()


@pytest.mark.parametrize("model", VERSIONED)
def test_versioned_changelists_offer_no_bulk_delete(curator_client, model):
    url = reverse(f"admin:negotiations_{model.lower()}_changelist")
    assert "delete_selected" not in curator_client.get(url).content.decode()


def test_a_refused_delete_is_explained_in_spanish(curator_client):
    obj, _field, colleague = _versioned_row("Round")
    curator_client.cookies["django_language"] = "es"
    response = _confirm_delete(curator_client, obj, colleague)
    page = response.content.decode()
    assert "así que no se eliminó nada" in page and DELETE_REFUSED not in page
    assert Round.objects.filter(pk=obj.pk).exists()
