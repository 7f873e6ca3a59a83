"""Any name a member of staff or a school has can name a certificate that validators accept."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

from cryptography import x509
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from harmonize_evidence.domain.model import Producer, Role
from harmonize_evidence.signing.identity import create_identity
from harmonize_evidence.signing.names import NAME_LIMIT, certificate_name, fits_certificate

ANY_NAME = st.text(st.characters(exclude_categories=("Cs",)), max_size=150)


@settings(max_examples=400)
@given(ANY_NAME)
def test_any_text_gets_a_certificate_name_that_validators_accept(text: str) -> None:
    name = certificate_name(text)
    assert fits_certificate(name)
    assert 1 <= len(name.encode("utf-8")) <= NAME_LIMIT
    x509.NameAttribute(NameOID.COMMON_NAME, name)  # the certificate library's own limits


@settings(max_examples=400)
@given(ANY_NAME)
def test_a_name_validators_accept_is_kept_as_typed(text: str) -> None:
    tidy = unicodedata.normalize("NFC", " ".join(text.split()))
    if fits_certificate(tidy):
        assert certificate_name(tidy) == tidy


def test_long_and_mixed_school_names_keep_their_sense() -> None:
    long_school = "St Mary's Church of England Voluntary Aided Primary School and Nursery"
    assert certificate_name(long_school) == (
        "St Mary's Church of England Voluntary Aided Primary School..."
    )
    assert certificate_name("Oak Hill 😀 Academy") == "Oak Hill Academy"
    assert certificate_name("مدرسة النور") == "مدرسة النور"
    assert certificate_name("مدرسة النور Academy").endswith("Academy")
    assert certificate_name("😀") == "unnamed"


@settings(max_examples=30)
@given(name=ANY_NAME.filter(str.strip), school=ANY_NAME.filter(str.strip))
def test_an_identity_can_be_made_for_any_producer(name: str, school: str) -> None:
    made = create_identity(
        Producer(name, "ZL", school, Role.STAFF), datetime(2026, 11, 21, 21, 40, tzinfo=UTC)
    )
    assert made.ca_cert_pem.startswith(b"-----BEGIN CERTIFICATE-----")
