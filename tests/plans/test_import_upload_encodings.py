"""The web import reads an uploaded plan exactly as `portal plan parse` does: UTF-16,
UTF-8 with BOM and Windows-1252 files give the same 23 goals."""

import io

import pytest

from portal.plans.importer import read_seed_plan


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "cp1252"])
def test_uploaded_plan_in_any_common_encoding_is_previewed(client, users, login, encoding):
    login(users["seges_admin"])
    data = read_seed_plan().decode("utf-8").encode(encoding, errors="replace")
    response = client.post(
        "/acordos/importar",
        data={"file": (io.BytesIO(data), "plano.txt"), "text": ""},
        content_type="multipart/form-data",
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body[:500]
    assert "Metas (23)" in body and "não é um texto legível" not in body
    assert "Minas Gerais" in body  # the decoded text is kept in the form, accents intact


def test_an_unreadable_upload_is_refused_with_the_importers_message(client, users, login):
    login(users["seges_admin"])
    response = client.post(
        "/acordos/importar",
        data={"file": (io.BytesIO(b"\xff\xfe\x00\xd8"), "plano.txt"), "text": "colado"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "não é um texto legível" in response.get_data(as_text=True)
