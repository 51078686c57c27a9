"""HTTP helpers of the end-to-end tests: JSON calls and uploads as a persona, the materials an
item asks for read from the public guide (as a real client would)."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from roadcredit.licensing.tests.factories import PDF

API = "/api/licensing"


class Api:
    def __init__(self, client: Client) -> None:
        self.client = client

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"{API}{path}", params)

    def post(self, path: str, data: dict[str, Any] | None = None) -> Any:
        return self.client.post(f"{API}{path}", data or {}, content_type="application/json")

    def act(self, application: dict[str, Any], step: str, **data: Any) -> Any:
        """Take a workflow step on the version of the application the caller holds."""
        payload = {"version": application["version"], **data}
        return self.post(f"/applications/{application['public_id']}/{step}", payload)

    def upload(
        self, application_id: str, item: int, key: str, content: bytes = PDF, name: str = ""
    ) -> Any:
        file = SimpleUploadedFile(name or f"{key}.pdf", content, content_type="application/pdf")
        return self.client.post(
            f"{API}/applications/{application_id}/materials",
            {"item": item, "key": key, "file": file},
        )


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.content.decode())
    return response.json()


def refused(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.content.decode())
    body: dict[str, Any] = response.json()
    assert set(body) == {"message", "extra"}
    return body


def upload_required(api: Api, application: dict[str, Any], *, skip: tuple[str, ...] = ()) -> None:
    """Upload what each item asks for, reading the guide: no commitment-covered proofs when a
    commitment is signed, nothing in ``skip``."""
    committed = application.get("commitment") is not None
    for item in application["items"]:
        guide = ok(api.get(f"/items/{item['item']}"))
        for material in guide["materials"]:
            key = material["key"]
            if key == "application_form" or key in skip:
                continue
            if committed and material["commitment"]:
                continue
            ok(api.upload(application["public_id"], item["position"], key), 201)
