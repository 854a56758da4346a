"""The `aws-kms` key-encryption key provider: AWS KMS GenerateDataKey / Encrypt / Decrypt.

The key-encryption key never leaves KMS. A sealed secret names the KMS key (its ARN) that
wrapped its data key; KMS finds the key from the wrapped blob itself, so secrets wrapped by a
previous key keep opening after `kms_key_id` changes, as long as this server may still use it.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from tradewind.keys.errors import KeyringError, SecretUnreadable

# Bound into every wrapped data key (KMS encryption context): a blob wrapped for something
# else in the same KMS key does not unwrap here.
CONTEXT = {"tradewind": "data-key"}
KMS_CONFIG = Config(connect_timeout=3, read_timeout=5, retries={"max_attempts": 2})


class KmsKeks:
    name = "aws-kms"
    blocking = True  # network calls: run them off the event loop

    def __init__(
        self,
        key_id: str,
        *,
        region: str,
        endpoint_url: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
    ) -> None:
        if not key_id:
            raise KeyringError(
                "TRADEWIND_KMS_KEY_ID is required with TRADEWIND_KEY_PROVIDER=aws-kms"
            )
        self.key_id = key_id
        self._client: Any = boto3.session.Session().client(
            "kms",
            region_name=region,
            endpoint_url=endpoint_url,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=KMS_CONFIG,
        )
        self._current = ""

    @property
    def source(self) -> str:
        return f"AWS KMS key {self.key_id}"

    def open(self, create: bool) -> None:
        metadata = self._call("DescribeKey", KeyId=self.key_id)["KeyMetadata"]
        if not metadata.get("Enabled", False):
            raise KeyringError(f"AWS KMS key {self.key_id} is disabled")
        self._current = str(metadata["Arn"])

    def is_open(self) -> bool:
        return bool(self._current)

    @property
    def current_id(self) -> str:
        return self._current

    def known_ids(self) -> list[str]:
        return [self._current]

    def new_data_key(self) -> tuple[bytes, str, bytes]:
        answer = self._call(
            "GenerateDataKey", KeyId=self._current, KeySpec="AES_256", EncryptionContext=CONTEXT
        )
        return bytes(answer["Plaintext"]), str(answer["KeyId"]), bytes(answer["CiphertextBlob"])

    def wrap(self, data_key: bytes) -> tuple[str, bytes]:
        answer = self._call(
            "Encrypt", KeyId=self._current, Plaintext=data_key, EncryptionContext=CONTEXT
        )
        return str(answer["KeyId"]), bytes(answer["CiphertextBlob"])

    def unwrap(self, kek_id: str, wrapped: bytes) -> bytes:
        answer = self._call(
            "Decrypt", CiphertextBlob=wrapped, KeyId=kek_id, EncryptionContext=CONTEXT
        )
        return bytes(answer["Plaintext"])

    def _call(self, operation: str, **params: Any) -> Any:
        method = {
            "DescribeKey": self._client.describe_key,
            "GenerateDataKey": self._client.generate_data_key,
            "Encrypt": self._client.encrypt,
            "Decrypt": self._client.decrypt,
        }[operation]
        try:
            return method(**params)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "InvalidCiphertextException":
                raise SecretUnreadable(
                    "AWS KMS refused a stored secret's wrapped data key (tampered?)"
                ) from exc
            raise KeyringError(f"AWS KMS {operation} failed for {self.key_id}: {code}") from exc
        except BotoCoreError as exc:
            raise KeyringError(
                f"AWS KMS unreachable ({operation} for {self.key_id}): {type(exc).__name__}"
            ) from exc
