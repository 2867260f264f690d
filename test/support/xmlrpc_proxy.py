"""Python's own xmlrpc.client set up to call our daemons: the tests that want an
independent client (nobody here wrote it) import this. test/support/python.ts puts
this folder on PYTHONPATH; by hand: PYTHONPATH=test/support python3 SCRIPT ...
"""
import xmlrpc.client


class AuthTransport(xmlrpc.client.Transport):
    """Sends the shared secret as `Authorization: Bearer …` with every request; none when it is None."""

    def __init__(self, secret):
        super().__init__(use_builtin_types=True)
        self.secret = secret

    def send_headers(self, connection, headers):
        super().send_headers(connection, headers)
        if self.secret is not None:
            connection.putheader("Authorization", "Bearer " + self.secret)


def proxy(url, secret):
    """nil allowed both ways; base64 and dateTime as bytes and datetime."""
    return xmlrpc.client.ServerProxy(url, transport=AuthTransport(secret), allow_none=True, use_builtin_types=True)
