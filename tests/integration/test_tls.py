"""A cluster on HTTPS (a CA and a server certificate generated here with ``cryptography``; a
dedicated cluster): verification is on by default, a CA bundle makes it work, and skipping
verification works only when asked for, with a visible warning."""

from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from aistui.app import AISTui
from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.core.config import discover
from aistui.core.errors import ConnectionFailed
from aistui.screens.connection import ConnectionScreen
from aistui.widgets.status import StatusBar
from tests.util import dedicated_cluster, until


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _pem_key(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def make_ca(d: Path, cn: str) -> tuple[Path, object, x509.Certificate]:
    """A self-signed CA: ``(ca.pem path, key, certificate)``."""
    now = datetime.datetime.now(datetime.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(_name(cn))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    path = d / f"{cn}.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path, key, cert


def make_server_cert(d: Path, ca_key, ca_cert: x509.Certificate) -> tuple[Path, Path]:
    """A server certificate for 127.0.0.1 and localhost signed by the CA: ``(cert, key)``."""
    now = datetime.datetime.now(datetime.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name("aistui test node")).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH,
                                                  x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    crt, keyf = d / "node.crt", d / "node.key"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyf.write_bytes(_pem_key(key))
    keyf.chmod(0o600)
    return crt, keyf


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    ca, ca_key, ca_cert = make_ca(d, "aistui-test-ca")
    other_ca, _, _ = make_ca(d, "some-other-ca")
    crt, key = make_server_cert(d, ca_key, ca_cert)
    with dedicated_cluster(d / "cluster", "HTTPS", ntargets=1, name="tls", tls=(crt, key)) as c:
        yield c, ca, other_ca


async def _roundtrip(settings: ConnectionSettings) -> bytes:
    async with AISClient(settings, retries=0) as c:
        b = Bck.parse("ais://tls-" + ("skip" if settings.skip_verify else "ca"))
        await c.buckets.create(b)
        try:
            await c.objects.put(b, "o", b"over https")  # proxy 307 -> target, both TLS
            return await c.objects.get(b, "o")
        finally:
            await c.buckets.destroy(b)


async def test_verification_is_on_by_default_and_a_wrong_ca_fails(tls):
    cluster, _, other_ca = tls
    assert cluster.endpoint.startswith("https://")
    for settings in (ConnectionSettings(endpoint=cluster.endpoint),
                     ConnectionSettings(endpoint=cluster.endpoint, ca_bundle=str(other_ca))):
        async with AISClient(settings, retries=0) as c:
            with pytest.raises(ConnectionFailed) as ei:
                await c.cluster.smap()
        reason = ei.value.reason
        assert reason.startswith("TLS certificate verification failed")
        assert "AIS_CLIENT_CA" in reason and "AIS_SKIP_VERIFY_CRT" in reason


async def test_a_ca_bundle_or_an_explicit_skip_works(tls):
    cluster, ca, _ = tls
    assert await _roundtrip(ConnectionSettings(endpoint=cluster.endpoint, ca_bundle=str(ca))) == b"over https"
    assert await _roundtrip(ConnectionSettings(endpoint=cluster.endpoint, skip_verify=True)) == b"over https"


def test_discovery_reads_the_ais_cli_tls_variables(tls, tmp_path):
    cluster, ca, _ = tls
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "xdg"), "AIS_ENDPOINT": cluster.endpoint}
    s = discover(env=env)
    assert s.ca_bundle is None and s.skip_verify is False  # verification by default
    assert discover(env=env | {"AIS_CLIENT_CA": str(ca)}).ca_bundle == str(ca)
    assert discover(env=env | {"AIS_SKIP_VERIFY_CRT": "true"}).skip_verify is True


async def test_console_warns_when_verification_is_skipped(tls):
    cluster, ca, _ = tls
    app = AISTui(ConnectionSettings(endpoint=cluster.endpoint), refresh_s=60)
    async with app.run_test(size=(140, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ConnectionScreen) and app.screen.query("#conn-reason"))
        assert "TLS certificate verification failed" in str(app.screen.query_one("#conn-reason").content)
    for settings, badge in ((ConnectionSettings(endpoint=cluster.endpoint, skip_verify=True), True),
                            (ConnectionSettings(endpoint=cluster.endpoint, ca_bundle=str(ca)), False)):
        app = AISTui(settings, refresh_s=60)
        async with app.run_test(size=(140, 30)) as pilot:
            await until(pilot, lambda app=app: app.health == "ok")
            text = app.screen.query_one(StatusBar).render().plain
            assert ("TLS NOT VERIFIED" in text) is badge
            shot = app.export_screenshot().replace("&#160;", " ")
            assert ("TLS NOT VERIFIED" in shot) is badge
