"""Managed PostgreSQL providers, recognised from the host name, and how to verify
their servers' certificates: which CA to download (or the system store), where the
provider documents it, and the sslmode to use.

Plain data and no I/O: the CLI's `profiles test`, the picker's TLS advice and the
connect failure hints all read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SYSTEM_ROOTCERT_LIBPQ = 160000  # libpq 16 added sslrootcert=system (the OS's CA store)


@dataclass(frozen=True)
class Provider:
    """A managed PostgreSQL service and how its certificates are verified."""

    name: str
    pattern: str  # a regular expression over the lower-cased host name
    ca: str  # what to download, or "system" when the certificate chains to a public CA
    ca_url: str  # where to download it ("" for system or when only the console has it)
    docs: str
    suggested_file: str = ""  # where to keep the download: ~/.postgresql/<this>
    note: str = ""

    @property
    def uses_system_store(self) -> bool:
        return self.ca == "system"


PROVIDERS: tuple[Provider, ...] = (
    Provider("Amazon Lightsail", r"^ls-[0-9a-f]+\.[a-z0-9]+\.[a-z0-9-]+\.rds\.amazonaws\.com(\.cn)?$",
             "the RDS global CA bundle (global-bundle.pem)",
             "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem",
             "https://docs.aws.amazon.com/lightsail/latest/userguide/amazon-lightsail-connecting-to-postgres-database.html",
             "rds-global-bundle.pem"),
    Provider("AWS RDS / Aurora", r"\.rds\.amazonaws\.com(\.cn)?$",
             "the RDS global CA bundle (global-bundle.pem)",
             "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem",
             "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html",
             "rds-global-bundle.pem"),
    Provider("Google Cloud SQL", r"\.sql\.goog$",
             "the instance's server CA (server-ca.pem: Connections → Security, or "
             "`gcloud sql instances describe INSTANCE --format='value(serverCaCert.cert)'`)", "",
             "https://cloud.google.com/sql/docs/postgres/configure-ssl-instance", "cloudsql-server-ca.pem",
             "connecting by IP address: the certificate names the instance, not the IP, so use verify-ca"),
    Provider("Azure Database for PostgreSQL", r"\.postgres\.database\.azure\.com$|\.postgres\.cosmos\.azure\.com$",
             "system", "",
             "https://learn.microsoft.com/azure/postgresql/flexible-server/security-tls-how-to-connect"),
    Provider("DigitalOcean Managed Databases", r"\.db\.ondigitalocean\.com$",
             "the cluster's CA certificate (ca-certificate.crt: Connection Details → Download CA certificate)", "",
             "https://docs.digitalocean.com/products/databases/postgresql/how-to/connect/",
             "digitalocean-ca.crt"),
    Provider("Supabase", r"(^|\.)supabase\.co$|\.pooler\.supabase\.com$",
             "the project's server root certificate (prod-ca-2021.crt: Database Settings → SSL Configuration)", "",
             "https://supabase.com/docs/guides/platform/ssl-enforcement", "supabase-prod-ca-2021.crt"),
    Provider("Neon", r"\.neon\.tech$", "system", "", "https://neon.tech/docs/connect/connect-securely"),
    Provider("Heroku Postgres (an EC2 host name)", r"^ec2-[0-9-]+\.([a-z0-9-]+\.)?compute(-1)?\.amazonaws\.com$",
             "none published", "", "https://devcenter.heroku.com/articles/connecting-heroku-postgres",
             note="Heroku's certificates cannot be verified: require (encrypted) is as far as it goes"),
    Provider("Aiven", r"\.aivencloud\.com$",
             "the project's CA certificate (ca.pem: the service's Overview → CA certificate)", "",
             "https://aiven.io/docs/platform/concepts/tls-ssl-certificates", "aiven-ca.pem"),
    Provider("Crunchy Bridge", r"\.db\.postgresbridge\.com$", "system", "",
             "https://docs.crunchybridge.com/concepts/connection"),
    Provider("Render", r"\.render\.com$", "system", "", "https://render.com/docs/postgresql-creating-connecting"),
    Provider("Timescale Cloud", r"\.tsdb\.cloud\.timescale\.com$", "system", "",
             "https://docs.timescale.com/use-timescale/latest/security/strict-ssl/"),
)


def provider_for(host: str | None) -> Provider | None:
    """The managed provider a host name belongs to, or None."""
    if not host or host.startswith("/") or "," in host:
        return None
    name = host.strip().lower().rstrip(".")
    return next((p for p in PROVIDERS if re.search(p.pattern, name)), None)


def system_store_supported(libpq_version: int) -> bool:
    """Whether this libpq takes sslrootcert=system."""
    return libpq_version >= SYSTEM_ROOTCERT_LIBPQ


def libpq_text(version: int) -> str:
    """170002 -> '17.2'."""
    return f"{version // 10000}.{version % 10000}"


def tls_advice(provider: Provider, libpq_version: int) -> list[str]:
    """What to do to verify this provider's servers, one instruction a line."""
    lines = [f"Provider: {provider.name}."]
    if provider.note and provider.ca == "none published":
        return [*lines, f"{provider.note}.", f"Docs: {provider.docs}"]
    if provider.uses_system_store:
        if system_store_supported(libpq_version):
            lines.append("Its certificates chain to a public CA: sslrootcert: system "
                         f"(the OS's CA store; this libpq is {libpq_text(libpq_version)}).")
        else:
            lines.append(f"Its certificates chain to a public CA, but this libpq ({libpq_text(libpq_version)}) is "
                         "older than 16 and does not take sslrootcert=system: point sslrootcert at the OS "
                         "bundle, e.g. /etc/ssl/certs/ca-certificates.crt.")
    else:
        lines.append(f"Download {provider.ca}" + (f": {provider.ca_url}" if provider.ca_url else "") + ",")
        lines.append(f"keep it as ~/.postgresql/{provider.suggested_file} and set sslrootcert to it.")
    lines.append("Then sslmode: verify-full (checks the CA and the host name).")
    if provider.note:
        lines.append(f"Note: {provider.note}.")
    lines.append(f"Docs: {provider.docs}")
    return lines


def suggested_rootcert(provider: Provider, libpq_version: int) -> str:
    """What to put in sslrootcert for this provider, before the user downloads anything."""
    if provider.uses_system_store:
        return "system" if system_store_supported(libpq_version) else "/etc/ssl/certs/ca-certificates.crt"
    return f"~/.postgresql/{provider.suggested_file}" if provider.suggested_file else ""
