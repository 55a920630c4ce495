"""API keys, rate limits, CSRF, CORS and upload validation."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from tests.service.conftest import photo_bytes, upload, wait_until_finished
from v2v.service import Settings, create_api_key, list_api_keys, revoke_api_key
from v2v.service.problems import ApiProblem
from v2v.service.security.uploads import check_upload

Client = Callable[..., TestClient]
KEY_A, KEY_B = "alpha-key-0123456789", "bravo-key-0123456789"
REMOTE = ("203.0.113.7", 40000)


# -- API keys ---------------------------------------------------------------------------------


def test_without_keys_only_local_clients_are_served(make_client: Client) -> None:
    assert make_client().get("/api/v1/palettes").status_code == 200
    remote = make_client(client=REMOTE).get("/api/v1/palettes")
    assert remote.status_code == 403 and "v2v keys create" in remote.json()["detail"]
    proxied = make_client().get("/api/v1/palettes", headers={"X-Forwarded-For": "198.51.100.1"})
    assert proxied.status_code == 403
    assert make_client(client=REMOTE).get("/health").status_code == 200


def test_with_keys_every_api_request_needs_one(make_client: Client) -> None:
    client = make_client(api_keys=f"{KEY_A},{KEY_B}")
    missing = client.get("/api/v1/palettes")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert (
        client.get("/api/v1/palettes", headers={"X-API-Key": "wrong-key-0123456789"}).status_code
        == 401
    )
    assert client.get("/api/v1/palettes", headers={"X-API-Key": KEY_A}).status_code == 200
    assert (
        client.get("/api/v1/palettes", headers={"Authorization": f"Bearer {KEY_B}"}).status_code
        == 200
    )
    assert client.get("/health").status_code == 200 and client.get("/ready").status_code == 200


def test_each_key_sees_only_its_own_jobs(make_client: Client, car_png: bytes) -> None:
    client = make_client(api_keys=f"{KEY_A},{KEY_B}")
    a, b = {"X-API-Key": KEY_A}, {"X-API-Key": KEY_B}
    job = client.post("/api/v1/jobs", files=upload(car_png), headers=a).json()
    done = wait_until_finished(client, job["id"], headers=a)
    assert client.get(f"/api/v1/jobs/{job['id']}", headers=b).status_code == 404
    assert client.get(done["urls"]["svg"], headers=b).status_code == 404
    assert client.delete(f"/api/v1/jobs/{job['id']}", headers=b).status_code == 404
    assert client.get("/api/v1/jobs", headers=b).json()["total"] == 0
    assert client.get("/api/v1/jobs", headers=a).json()["total"] == 1


def test_keys_created_listed_and_revoked_through_the_cli_functions(
    make_client: Client, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings()
    first = create_api_key("designer laptop", settings)
    second = create_api_key("build server", settings)
    assert first.key.startswith(f"v2v_{first.id}_") and len(first.key) > 40
    listed = {k.id: k for k in list_api_keys(settings)}
    assert set(listed) == {first.id, second.id} and listed[first.id].name == "designer laptop"
    client = make_client(settings=settings)
    assert client.get("/api/v1/palettes").status_code == 401  # a key exists: now required
    assert client.get("/api/v1/palettes", headers={"X-API-Key": first.key}).status_code == 200
    assert revoke_api_key(first.id, settings) is True
    assert revoke_api_key(first.id, settings) is False
    assert client.get("/api/v1/palettes", headers={"X-API-Key": first.key}).status_code == 401
    assert client.get("/api/v1/palettes", headers={"X-API-Key": second.key}).status_code == 200
    assert not {k.id: k for k in list_api_keys(settings)}[first.id].active
    stored = (settings.data_dir / "jobs.db").read_bytes()
    assert first.key.encode() not in stored and second.key.encode() not in stored


# -- rate limits ------------------------------------------------------------------------------


def test_rate_limit_answers_429_with_retry_after(make_client: Client, car_png: bytes) -> None:
    client = make_client(api_rate_limit="2/minute")
    job = client.post("/api/v1/jobs", files=upload(car_png)).json()
    assert client.get("/api/v1/palettes").status_code == 200
    limited = client.get("/api/v1/palettes")
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.json()["code"] == "rate_limited"
    for _ in range(5):  # status polling, health, readiness and metrics are never limited
        assert client.get(f"/api/v1/jobs/{job['id']}").status_code == 200
        assert client.get("/health").status_code == 200
        assert client.get("/ready").status_code in {200, 503}
        assert client.get("/metrics").status_code == 200


def test_rate_limits_count_per_key(make_client: Client) -> None:
    client = make_client(api_rate_limit="1/minute", api_keys=f"{KEY_A},{KEY_B}")
    assert client.get("/api/v1/palettes", headers={"X-API-Key": KEY_A}).status_code == 200
    assert client.get("/api/v1/palettes", headers={"X-API-Key": KEY_A}).status_code == 429
    assert client.get("/api/v1/palettes", headers={"X-API-Key": KEY_B}).status_code == 200


# -- CSRF and CORS ------------------------------------------------------------------------------

BROWSER = {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}


def test_browser_posts_need_the_csrf_token(make_client: Client, car_png: bytes) -> None:
    client = make_client(csrf_secret_key="s" * 32)
    forged = client.post("/api/v1/jobs", files=upload(car_png), headers=BROWSER)
    assert forged.status_code == 403 and forged.json()["code"] == "csrf_failed"
    token = client.get("/api/v1/csrf-token").json()["token"]  # sets the cookie too
    same_site = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}
    by_header = client.post(
        "/api/v1/jobs", files=upload(car_png), headers={**same_site, "X-CSRF-Token": token}
    )
    assert by_header.status_code == 202
    by_field = client.post(
        "/api/v1/jobs", files=upload(car_png), headers=same_site, data={"csrf_token": token}
    )
    assert by_field.status_code == 202
    wrong = client.post(
        "/api/v1/jobs",
        files=upload(car_png),
        headers={**same_site, "X-CSRF-Token": token[:-2] + "xx"},
    )
    assert wrong.status_code == 403


def test_a_token_signed_with_another_secret_is_refused(make_client: Client, car_png: bytes) -> None:
    other = make_client(csrf_secret_key="o" * 32)
    planted = other.get("/api/v1/csrf-token").json()["token"]
    client = make_client(csrf_secret_key="s" * 32)
    client.cookies.set("v2v_csrf", planted)
    response = client.post(
        "/api/v1/jobs", files=upload(car_png), headers={**BROWSER, "X-CSRF-Token": planted}
    )
    assert response.status_code == 403


def test_scripts_and_key_holders_are_not_asked_for_a_csrf_token(
    make_client: Client, car_png: bytes
) -> None:
    client = make_client(api_keys=KEY_A)
    assert (
        client.post("/api/v1/jobs", files=upload(car_png), headers={"X-API-Key": KEY_A}).status_code
        == 202
    )
    with_key_from_browser = {**BROWSER, "X-API-Key": KEY_A}
    assert (
        client.post(
            "/api/v1/jobs", files=upload(car_png), headers=with_key_from_browser
        ).status_code
        == 202
    )


def test_cors_allows_only_the_configured_origins(make_client: Client) -> None:
    client = make_client(cors_origins="http://ui.example", cors_allow_credentials=True)
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "X-API-Key",
    }
    allowed = client.options("/api/v1/jobs", headers={"Origin": "http://ui.example", **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "http://ui.example"
    assert allowed.headers["access-control-allow-credentials"] == "true"
    denied = client.options("/api/v1/jobs", headers={"Origin": "http://evil.example", **preflight})
    assert "access-control-allow-origin" not in denied.headers


def test_cors_wildcard_never_comes_with_credentials(make_client: Client) -> None:
    client = make_client(cors_origins="*")
    response = client.get("/health", headers={"Origin": "http://any.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers


# -- uploads ------------------------------------------------------------------------------------


def _encoded(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP", "PNG"])
def test_jpeg_png_and_webp_are_accepted_by_content(make_client: Client, fmt: str) -> None:
    client = make_client()
    response = client.post(
        "/api/v1/jobs",
        files=upload(photo_bytes(fmt=fmt), name="photo.bin", kind="application/octet-stream"),
    )
    assert response.status_code == 202, response.text


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (b"this is not an image, whatever its name says", 415, "unsupported_media_type"),
        (b"GIF89a" + b"\x00" * 64, 415, "unsupported_media_type"),
        (b"", 400, "empty_upload"),
    ],
)
def test_bad_uploads_are_refused(
    make_client: Client, content: bytes, status: int, code: str
) -> None:
    response = make_client().post("/api/v1/jobs", files=upload(content, name="car.png"))
    assert response.status_code == status and response.json()["code"] == code


def test_a_truncated_photo_is_400(make_client: Client, car_png: bytes) -> None:
    truncated = car_png[: len(car_png) // 2]
    response = make_client().post("/api/v1/process", files=upload(truncated))
    assert response.status_code == 400 and response.json()["code"] == "corrupt_image"


def test_a_decompression_bomb_is_413_before_decoding(make_client: Client) -> None:
    bomb = _encoded(Image.new("L", (6000, 6000)), "PNG")  # 36 MP in a few kB
    assert len(bomb) < 100_000
    response = make_client(max_upload_pixels=10_000_000).post("/api/v1/jobs", files=upload(bomb))
    assert response.status_code == 413 and response.json()["code"] == "image_too_large"


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width × height but carries almost no pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def test_a_photo_under_max_upload_pixels_is_accepted_above_pillows_own_limit(
    tmp_path: Path,
) -> None:
    # 95 MP: over Pillow's built-in 89.5 MP warning, under the default MAX_UPLOAD_PIXELS of 100 MP
    photo = _encoded(Image.new("1", (10_000, 9_500), 1), "PNG")
    checked = check_upload(io.BytesIO(photo), tmp_path / "up.png", 50_000_000, 100_000_000)
    assert (checked.width, checked.height) == (10_000, 9_500)


def test_a_bomb_is_refused_from_its_header_naming_the_limit(tmp_path: Path) -> None:
    bomb = _png_header_only(60_000, 60_000)  # 3.6 gigapixels claimed in about 100 bytes
    with pytest.raises(ApiProblem) as refused:
        check_upload(io.BytesIO(bomb), tmp_path / "up.png", 50_000_000, 100_000_000)
    assert refused.value.status == 413 and refused.value.code == "image_too_large"
    assert "60000×60000" in refused.value.detail and "MAX_UPLOAD_PIXELS" in refused.value.detail
    assert not (tmp_path / "up.png").exists()


def test_an_oversized_upload_is_413(make_client: Client, car_png: bytes) -> None:
    client = make_client(max_upload_bytes=4096)
    response = client.post("/api/v1/jobs", files=upload(car_png))
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"overrides": '{"phase3.min_area_percent": "lots"}'}, "phase3.min_area_percent"),
        ({"overrides": '{"phase3": {"nonsense": 1}}'}, "phase3.nonsense"),
        ({"overrides": '{"palette": "/etc/secret.yaml"}'}, "palette"),
        ({"overrides": '{"input": {"max_pixels": 400000000}}'}, "input.max_pixels"),
        ({"overrides": "[1, 2]"}, "JSON object"),
        ({"overrides": "{not json"}, "not valid JSON"),
        ({"palette": "neon-dreams"}, "unknown palette"),
        ({"palette": "../../etc/palette.yaml"}, "palette"),
        ({"palette": "#12345,#FFFFFF"}, "#12345"),
        ({"hint": "1,2,3"}, "hint"),
        ({"hint": "0,0,5000,5000"}, "not inside"),
    ],
)
def test_bad_fields_are_422_naming_the_field_or_key(
    make_client: Client, car_png: bytes, fields: dict[str, str], named: str
) -> None:
    client = make_client()
    response = client.post("/api/v1/jobs", files=upload(car_png), data=fields)
    assert response.status_code == 422, response.text
    assert named in response.json()["detail"]
    assert client.get("/api/v1/jobs").json()["total"] == 0  # nothing was queued


def test_a_missing_photo_is_a_422_naming_the_field(make_client: Client) -> None:
    response = make_client().post("/api/v1/jobs", data={"palette": "default"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"
