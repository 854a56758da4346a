"""SQLAlchemy tables, one module per entity. Importing this package registers them all."""

from tradewind.models.accounts import ApiToken, Session, User, UserIdentity
from tradewind.models.audit import AuditEvent
from tradewind.models.base import Base
from tradewind.models.cdn import CdnPurge
from tradewind.models.codepush import CodePushDeployment, CodePushDiff, CodePushRelease
from tradewind.models.config import CohortDimension, ConfigProperty, SavedView
from tradewind.models.files import Blob, CleanupOutbox, File
from tradewind.models.guards import AppGuard, GuardTrip, ReleaseGuard
from tradewind.models.invitations import Invitation
from tradewind.models.keys import KeyringCanary, SigningKey, UploadKey, UploadPolicy
from tradewind.models.orgs import Application, AppMember, Organisation, OrgMember
from tradewind.models.packages import Package, PackageFile
from tradewind.models.releases import Dimension, Release, ReleaseResource
from tradewind.models.signals import SignalCount, SignalFlush, SignalSketch
from tradewind.models.webhooks import Webhook, WebhookDelivery

__all__ = [
    "ApiToken",
    "AppGuard",
    "AppMember",
    "Application",
    "AuditEvent",
    "Base",
    "Blob",
    "CdnPurge",
    "CleanupOutbox",
    "CodePushDeployment",
    "CodePushDiff",
    "CodePushRelease",
    "CohortDimension",
    "ConfigProperty",
    "Dimension",
    "File",
    "GuardTrip",
    "Invitation",
    "KeyringCanary",
    "OrgMember",
    "Organisation",
    "Package",
    "PackageFile",
    "Release",
    "ReleaseGuard",
    "ReleaseResource",
    "SavedView",
    "Session",
    "SignalCount",
    "SignalFlush",
    "SignalSketch",
    "SigningKey",
    "UploadKey",
    "UploadPolicy",
    "User",
    "UserIdentity",
    "Webhook",
    "WebhookDelivery",
]
