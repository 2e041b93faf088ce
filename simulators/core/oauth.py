"""The authorisation codes of the marketplaces' OAuth code flows."""


class AuthCodes:
    """Single-use authorisation codes, each with its expiry (simulated epoch
    seconds) and what the platform keeps with it (``info``, e.g. the shop)."""

    def __init__(self):
        self.codes = {}

    def issue(self, code, expires_at, **info):
        self.codes[code] = dict(info, expires_at=expires_at, used=False)
        return code

    def valid(self, code, now):
        """The record of ``code`` when it can be redeemed at ``now`` (known, unused,
        not expired), else None."""
        record = self.codes.get(code)
        if record is None or record["used"] or record["expires_at"] <= now:
            return None
        return record

    def redeem(self, code):
        self.codes[code]["used"] = True

    def used(self):
        """How many codes were redeemed."""
        return sum(1 for record in self.codes.values() if record["used"])

    def __len__(self):
        return len(self.codes)
