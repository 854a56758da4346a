"""Key rotation: re-wrap every stored secret's data key under the current key-encryption key.

Only the wrapped data key in each sealed value changes; the ciphertext stays, so a process
holding either key-encryption key keeps reading every secret while rotation runs (no
downtime). Each batch commits on its own; an interrupted rotation is resumed by running it
again (values already under the current key are skipped).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.orm import InstrumentedAttribute

from tradewind.db import Database
from tradewind.keys import repository as repo
from tradewind.keys.keyring import Keyring
from tradewind.models.codepush import CodePushDeployment
from tradewind.models.keys import KeyringCanary, SigningKey
from tradewind.models.webhooks import Webhook

BATCH_SIZE = 100

# Every column that holds sealed secrets (primary key `id`). A domain that stores a new kind
# of secret appends its column here, so rotation and `keys status` cover it.
SEALED_COLUMNS: list[InstrumentedAttribute[bytes]] = [
    KeyringCanary.sealed,
    SigningKey.private_sealed,
    CodePushDeployment.key_sealed,
    Webhook.secret_sealed,
]


@dataclass
class RotationReport:
    rewrapped: int = 0
    already_current: int = 0
    by_column: dict[str, int] = field(default_factory=dict)


def _name(column: InstrumentedAttribute[bytes]) -> str:
    return f"{column.class_.__tablename__}.{column.key}"


async def rotate(db: Database, keyring: Keyring, batch_size: int = BATCH_SIZE) -> RotationReport:
    """Re-wrap every sealed column, batch by batch, each batch in its own transaction."""
    report = RotationReport()
    for column in SEALED_COLUMNS:
        last_id = 0
        done = 0
        while True:
            async with db.unit_of_work() as session:
                rows = await repo.sealed_batch(session, column, last_id, batch_size)
                for row_id, sealed in rows:
                    rewrapped = await keyring.rewrap(sealed)
                    if rewrapped is None:
                        report.already_current += 1
                        continue
                    await repo.replace_sealed(session, column, row_id, sealed, rewrapped)
                    done += 1
            if not rows:
                break
            last_id = rows[-1][0]
        report.rewrapped += done
        report.by_column[_name(column)] = done
    return report


async def kek_usage(db: Database, keyring: Keyring) -> Counter[str]:
    """How many stored secrets each key-encryption key wraps."""
    usage: Counter[str] = Counter()
    async with db.unit_of_work() as session:
        for column in SEALED_COLUMNS:
            for sealed in await repo.all_sealed(session, column):
                usage[keyring.kek_id_of(sealed)] += 1
    return usage
