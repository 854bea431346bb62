"""Client-side helpers for the TLS and SASL tests of imapd and pop3d."""
import base64
import ssl
import warnings


def client_tls(minimum=None, maximum=None):
    """A TLS client context for the self-signed sandbox certificate."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with warnings.catch_warnings():  # TLSv1_1 is deprecated in Python, which is the point
        warnings.simplefilter("ignore", DeprecationWarning)
        if minimum:
            ctx.minimum_version = minimum
        if maximum:
            ctx.maximum_version = maximum
    return ctx


def plain(user, password, authzid=""):
    """A SASL PLAIN response (RFC 4616), base64."""
    return base64.b64encode(("%s\0%s\0%s" % (authzid, user, password)).encode()).decode()
