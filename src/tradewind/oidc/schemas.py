"""Wire types for single sign-on."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tradewind.oidc.flow import PKCE_VALUE


class ProviderOut(BaseModel):
    name: str
    display_name: str
    login_url: str = Field(description="Start dashboard sign-in here (add ?next=/dashboard/...).")
    device_flow: bool = Field(
        description="Whether `tradewind login --sso` can use the device authorization grant."
    )
    ready: bool


class RedeemRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=4096)
    code_verifier: str = Field(pattern=PKCE_VALUE.pattern)


class DeviceAuthorizationOut(BaseModel):
    device_code: str = Field(description="Secret: send it back to the poll endpoint only.")
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_in: int
    interval: int = Field(description="Seconds to wait between polls.")


class DevicePollRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    device_code: str = Field(min_length=1, max_length=4096)


class DevicePendingOut(BaseModel):
    status: Literal["authorization_pending", "slow_down"]
