"""The OpenAPI schema as client generators read it, and the API's front page.

The schema must be valid OpenAPI 3.0, give request bodies that hold only what a client sends,
one shape per kind of error, a description on every parameter and enum, and names that read
well in generated code. ``/api/`` points people to it.
"""

import pytest
from openapi_spec_validator import validate

from negotiations import roles
from negotiations.choices import RoundFormat, RoundStatus
from tests import factories as f

pytestmark = pytest.mark.django_db

ERROR_SHAPES = {
    "400": "#/components/schemas/ValidationError",
    "401": "#/components/schemas/Error",
    "403": "#/components/schemas/Error",
    "404": "#/components/schemas/Error",
    "409": "#/components/schemas/Exists",
    "412": "#/components/schemas/Conflict",
    "428": "#/components/schemas/Error",
    "429": "#/components/schemas/Error",
}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_the_schema_is_valid_openapi_3_0(schema):
    assert schema["openapi"].startswith("3.0")
    validate(schema)


def test_the_served_schema_is_the_valid_one(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    validate(response.json())


def test_request_bodies_hold_only_what_a_client_sends(schema):
    components = schema["components"]["schemas"]
    for path, method, operation in operations(schema):
        body = operation.get("requestBody")
        if body is None:
            continue
        ref = body["content"]["application/json"]["schema"]["$ref"]
        name = ref.rsplit("/", 1)[1]
        assert name.endswith("Request"), (path, method, name)
        properties = components[name]["properties"]
        read_only = [field for field, spec in properties.items() if spec.get("readOnly")]
        assert not read_only, (path, method, read_only)
    round_create = components["RoundRequest"]
    assert set(round_create["required"]) == {"agreement"}
    assert not {"id", "url", "version", "updated_at", "chapters", "sources", "notes"} & set(round_create["properties"])
    # What is fixed at creation is not in an update body (an update would ignore it).
    assert "agreement" not in components["PatchedRoundUpdateRequest"]["properties"]
    assert "slug" not in components["AgreementUpdateRequest"]["properties"]
    assert "slug" in components["AgreementRequest"]["properties"]


def test_every_error_has_its_one_shared_shape(schema):
    seen = set()
    for path, method, operation in operations(schema):
        for status, response in operation["responses"].items():
            if status in ERROR_SHAPES:
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref == ERROR_SHAPES[status], (path, method, status)
                seen.add(status)
    assert seen == set(ERROR_SHAPES)
    validation = schema["components"]["schemas"]["ValidationError"]
    assert validation["properties"]["non_field_errors"]["type"] == "array"
    assert validation["additionalProperties"] == {"type": "array", "items": {"type": "string"}}
    assert schema["components"]["schemas"]["Conflict"]["properties"]["current_version"]["type"] == "integer"


def test_every_parameter_and_enum_is_described(schema):
    undescribed = [
        (path, method, parameter["name"])
        for path, method, operation in operations(schema)
        for parameter in operation.get("parameters", [])
        if not parameter.get("description")
    ]
    assert undescribed == []
    for name, component in schema["components"]["schemas"].items():
        if "enum" in component and name != "BlankEnum":
            for value in component["enum"]:
                assert f"`{value}` - " in component["description"], (name, value)
    assert "`virtual` - Virtual" in schema["components"]["schemas"]["RoundFormatEnum"]["description"]


def test_operation_ids_and_tags_read_well_in_generated_code(schema):
    ids = {operation["operationId"] for _path, _method, operation in operations(schema)}
    assert {"rounds_list", "rounds_create", "rounds_retrieve", "rounds_partial_update", "rounds_destroy"} <= ids
    assert {"export_index", "export_download", "chapter_progress_list", "status_events_create"} <= ids
    assert all(identifier.replace("_", "").isalnum() for identifier in ids), ids
    tags = {tag["name"] for tag in schema["tags"]}
    for path, method, operation in operations(schema):
        assert len(operation["tags"]) == 1 and operation["tags"][0] in tags, (path, method)


def test_the_meeting_format_filter_has_its_own_name(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/rounds/"]["get"]["parameters"]}
    assert parameters["meeting_format"]["schema"]["items"]["enum"] == sorted(RoundFormat.values)
    assert "Deprecated" in parameters["format"]["description"]
    agreements = {p["name"]: p for p in schema["paths"]["/api/agreements/"]["get"]["parameters"]}
    assert sorted(agreements["format"]["schema"]["enum"]) == ["csv", "json"]


def test_the_docs_link_back_to_the_site(schema):
    assert "[← Back to the tracker](/)" in schema["info"]["description"]


# --- The API's answers match those shapes -----------------------------------------------------


def test_meeting_format_filters_the_api_under_both_names(client):
    agreement = f.agreement()
    virtual = f.round_(agreement, format=RoundFormat.VIRTUAL)
    f.round_(agreement)

    def ids(query):
        return [r["id"] for r in client.get(f"/api/rounds/?{query}").json()["results"]]

    assert ids("meeting_format=virtual") == [virtual.pk]
    assert ids("format=virtual") == [virtual.pk]
    response = client.get("/api/rounds/?format=virtual&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    assert len(b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()) == 2


def test_a_body_that_is_not_json_is_a_validation_error(client):
    curator = f.user(role=roles.CURATOR)
    client.force_login(curator)
    response = client.post("/api/rounds/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]
    response = client.post("/api/rounds/", "[1, 2]", content_type="application/json")
    assert response.status_code == 400 and response.json()["non_field_errors"]


def test_refusals_carry_a_language_neutral_code(client):
    response = client.get("/api/rounds/999999/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = client.post("/api/rounds/", {}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    round_obj = f.round_(status=RoundStatus.HELD)
    client.force_login(f.user(role=roles.CURATOR))
    response = client.patch(f"/api/rounds/{round_obj.pk}/", {"summary": "x"}, content_type="application/json")
    assert response.status_code == 428 and response.json()["code"] == "precondition_required"
    response = client.patch(
        f"/api/rounds/{round_obj.pk}/", {"summary": "x"}, content_type="application/json", HTTP_IF_MATCH='"v999"'
    )
    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    assert response.json()["current_version"] == round_obj.version


# --- /api/ and the links to the docs -----------------------------------------------------------


def test_the_api_front_page_is_a_page_for_browsers(client):
    response = client.get("/api/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    for link in ['href="http://testserver/api/docs/"', 'href="http://testserver/api/schema/"']:
        assert link in html
    assert 'href="http://testserver/api/export/"' in html
    assert "Authorization: Token &lt;token&gt;" in html


def test_the_api_front_page_is_json_for_programs(client):
    data = client.get("/api/").json()
    assert data["docs"] == "http://testserver/api/docs/"
    assert data["schema"] == "http://testserver/api/schema/"
    assert data["export"] == "http://testserver/api/export/"
    assert data["resources"]["rounds"] == "http://testserver/api/rounds/"
    assert "Authorization: Token" in data["authentication"]["writing"]
    assert client.get(data["resources"]["chapter-progress"]).status_code == 200


@pytest.mark.parametrize("url", ["/agreements/", "/rounds/", "/chapters/", "/about/coverage/"])
def test_the_footer_and_every_list_link_to_the_docs(client, url):
    html = client.get(url).content.decode()
    assert html.count('href="/api/docs/"') == (2 if url != "/about/coverage/" else 1)
