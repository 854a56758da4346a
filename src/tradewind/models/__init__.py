"""SQLAlchemy tables, one module per entity. Importing this package registers them all."""

from tradewind.models.accounts import ApiToken, Session, User, UserIdentity
from tradewind.models.audit import AuditEvent
from tradewind.models.base import Base
from tradewind.models.files import Blob, CleanupOutbox, File
from tradewind.models.orgs import Application, AppMember, Organisation, OrgMember
from tradewind.models.packages import Package, PackageFile
from tradewind.models.releases import Dimension, Release, ReleaseResource

__all__ = [
    "ApiToken",
    "AppMember",
    "Application",
    "AuditEvent",
    "Base",
    "Blob",
    "CleanupOutbox",
    "Dimension",
    "File",
    "OrgMember",
    "Organisation",
    "Package",
    "PackageFile",
    "Release",
    "ReleaseResource",
    "Session",
    "User",
    "UserIdentity",
]
