"""Managed providers recognised from real host-name shapes, and the advice given."""

from __future__ import annotations

import pytest

from tui.profiles.providers import provider_for, suggested_rootcert, tls_advice

HOSTS = [
    ("mydb.c9akciq32.eu-west-1.rds.amazonaws.com", "AWS RDS / Aurora"),
    ("shop.cluster-c9akciq32.us-east-1.rds.amazonaws.com", "AWS RDS / Aurora"),
    ("shop.cluster-ro-c9akciq32.us-east-1.rds.amazonaws.com", "AWS RDS / Aurora"),
    ("proxy-1.proxy-c9akciq32.us-east-1.rds.amazonaws.com", "AWS RDS / Aurora"),
    ("db.abc.cn-north-1.rds.amazonaws.com.cn", "AWS RDS / Aurora"),
    ("ls-0a1b2c3d4e5f.czowadgeezqi.us-east-1.rds.amazonaws.com", "Amazon Lightsail"),
    ("1a23b4cd5e67.1a2b345c6d27.us-central1.sql.goog", "Google Cloud SQL"),
    ("myserver.postgres.database.azure.com", "Azure Database for PostgreSQL"),
    ("c-mycluster.abc123.postgres.cosmos.azure.com", "Azure Database for PostgreSQL"),
    ("db-postgresql-nyc3-12345-do-user-123456-0.b.db.ondigitalocean.com", "DigitalOcean Managed Databases"),
    ("db.abcdefghijklmnop.supabase.co", "Supabase"),
    ("aws-0-us-east-1.pooler.supabase.com", "Supabase"),
    ("ep-cool-darkness-123456.us-east-2.aws.neon.tech", "Neon"),
    ("ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech", "Neon"),
    ("ec2-54-83-1-2.compute-1.amazonaws.com", "Heroku Postgres (an EC2 host name)"),
    ("pg-3b8d4ed6-myproject.aivencloud.com", "Aiven"),
    ("p.vbjrfujv5beutaoelw725gvi3i.db.postgresbridge.com", "Crunchy Bridge"),
    ("dpg-cabc123def456-a.oregon-postgres.render.com", "Render"),
    ("a1b2c3d4e5.k1l2m3n4o5.tsdb.cloud.timescale.com", "Timescale Cloud"),
    ("MYDB.C9AKCIQ32.EU-WEST-1.RDS.AMAZONAWS.COM.", "AWS RDS / Aurora"),
]


@pytest.mark.parametrize(("host", "provider"), HOSTS)
def test_real_host_shapes(host: str, provider: str) -> None:
    found = provider_for(host)
    assert found is not None and found.name == provider


@pytest.mark.parametrize("host", ["db.internal.example", "localhost", "10.0.0.5", "/var/run/postgresql",
                                  "rds.amazonaws.com.evil.example", "a.neon.tech.example", None, "a,b"])
def test_other_hosts_are_no_provider(host: str | None) -> None:
    assert provider_for(host) is None


def test_advice_names_the_ca_the_docs_and_verify_full() -> None:
    rds = provider_for("mydb.c9akciq32.eu-west-1.rds.amazonaws.com")
    lines = "\n".join(tls_advice(rds, 170002))
    assert "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem" in lines
    assert "sslmode: verify-full" in lines and "docs.aws.amazon.com" in lines
    assert suggested_rootcert(rds, 170002) == "~/.postgresql/rds-global-bundle.pem"
    neon = provider_for("ep-x.us-east-2.aws.neon.tech")
    assert "sslrootcert: system" in "\n".join(tls_advice(neon, 160000)) and suggested_rootcert(neon, 160000) == "system"
    assert "older than 16" in "\n".join(tls_advice(neon, 150007))
    assert suggested_rootcert(neon, 150007) == "/etc/ssl/certs/ca-certificates.crt"


def test_a_tls_failure_on_a_provider_host_names_its_ca() -> None:
    from tui.db.postgres import classify_failure
    from tui.profiles import Profile

    libpq_said = Exception('connection to server at "x" failed: root certificate file "/root/.postgresql/root.crt" '
                           "does not exist\nEither provide the file, use the system's trusted roots with "
                           "sslrootcert=system, or change sslmode to disable server certificate verification.")
    rds = Profile(name="p", host="mydb.c9akciq32.eu-west-1.rds.amazonaws.com", sslmode="verify-full")
    failure = classify_failure(libpq_said, rds)
    assert failure.kind == "tls" and "global-bundle.pem" in failure.hint and "docs.aws.amazon.com" in failure.hint
    assert "provider's CA file" in classify_failure(libpq_said, rds.with_changes(host="db.example")).hint
