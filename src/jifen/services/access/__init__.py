"""Who may do what: API keys, console operators, members' portal sign-in.

- ``apikeys``: API keys: created once, shown once, stored as a hash, checked per request;
  listed, revoked and rotated by an admin.
- ``forgetting``: What the doors keep only for a while, forgotten: an expired code's seed and
  ticket, and attempts at a door older than a day (every request for a code, every worker round).
- ``operators``: Operators of the console: created from the CLI, signed in with a password,
  locked for a while after failed sign-ins, unlocked by an admin.
- ``portal_signin``: Members sign in to the portal with a one-time code sent through the outbox,
  derived at delivery and never stored; codes asked for are limited alike for anyone.
- ``ports``: Who may do what: API keys, operators and their sessions, portal sign-in.
"""

from jifen.services.access.apikeys import (
    SCOPES,
    ApiKey,
    Principal,
    authenticate,
    create_key,
    list_keys,
    revoke_key,
    rotate_key,
)
from jifen.services.access.forgetting import (
    Forgotten,
    forget_stale,
)
from jifen.services.access.operators import (
    change_operator,
    create_operator,
    everyone,
    locked_out,
    set_password,
    sign_in,
    unlock,
)
from jifen.services.access.operators import (
    sign_out as operator_sign_out,
)
from jifen.services.access.operators import (
    signed_in as operator_signed_in,
)
from jifen.services.access.portal_signin import (
    SigninLimits,
    open_session,
    request_code,
    signin_codes_sent,
    signin_message,
    take_code,
    verify_code,
)
from jifen.services.access.portal_signin import (
    sign_out as member_sign_out,
)
from jifen.services.access.portal_signin import (
    signed_in as member_signed_in,
)

__all__ = [
    "SCOPES",
    "ApiKey",
    "Forgotten",
    "Principal",
    "SigninLimits",
    "authenticate",
    "change_operator",
    "create_key",
    "create_operator",
    "everyone",
    "forget_stale",
    "list_keys",
    "locked_out",
    "member_sign_out",
    "member_signed_in",
    "open_session",
    "operator_sign_out",
    "operator_signed_in",
    "request_code",
    "revoke_key",
    "rotate_key",
    "set_password",
    "sign_in",
    "signin_codes_sent",
    "signin_message",
    "take_code",
    "unlock",
    "verify_code",
]
