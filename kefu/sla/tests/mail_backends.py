"""E-mail backends for the mail tests: Django's in-memory outbox, failing on chosen messages."""

from django.core.mail.backends import locmem


class FlakyBackend(locmem.EmailBackend):
    """Like locmem, but the n-th message handed to any instance (1-based, counted in `calls`) raises
    `fail[n]` instead of being delivered. Reset `calls`, `opened` and `fail` in each test."""

    calls = 0
    opened = 0  # connections opened (one per chunk of messages, not one per message)
    fail: dict[int, Exception] = {}

    def open(self):
        type(self).opened += 1
        return super().open()

    def send_messages(self, messages):
        for message in messages:
            type(self).calls += 1
            error = self.fail.get(type(self).calls)
            if error is not None:
                raise error
            super().send_messages([message])
        return len(messages)
