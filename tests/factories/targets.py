"""The corpus of refused targets: webhook URLs, and the SMTP hosts they name."""

from __future__ import annotations

REFUSED_URLS = [
    "http://127.0.0.1:{port}/hook",
    "http://127.1:{port}/hook",
    "http://127.0.1:{port}/hook",
    "http://0x7f000001:{port}/hook",
    "http://0x7f.1:{port}/hook",
    "http://0X7F.0.0.1:{port}/hook",
    "http://2130706433:{port}/hook",
    "http://0177.0.0.1:{port}/hook",
    "http://017700000001:{port}/hook",
    "http://127.000.000.001:{port}/hook",
    "http://127.0.0.1.:{port}/hook",
    "http://0x7f000001.:{port}/hook",
    # yarl folds these to 127.0.0.1 (urllib.parse does not): the domain's parser, which both
    # senders read URLs with, refuses any host that is not ASCII.
    "http://\uff11\uff12\uff17.\uff10.\uff10.\uff11:{port}/hook",  # full-width digits
    "http://\u2460\u2461\u2466.0.0.1:{port}/hook",  # circled digits
    "http://127\u30020\u30020\u30021:{port}/hook",  # ideographic full stops
    "http://[::1]:{port}/hook",
    "http://[0:0:0:0:0:0:0:1]:{port}/hook",
    "http://[::ffff:127.0.0.1]:{port}/hook",
    "http://[::ffff:7f00:1]:{port}/hook",
    "http://[0:0:0:0:0:ffff:127.0.0.1]:{port}/hook",
    "http://[::127.0.0.1]:{port}/hook",
    "http://[::1%25lo]:{port}/hook",
    "http://[fe80::1%25eth0]:{port}/hook",
    "http://[64:ff9b::7f00:1]:{port}/hook",
    "http://[2002:7f00:1::]:{port}/hook",
    "http://localhost:{port}/hook",
    "http://LOCALHOST.:{port}/hook",
    "http://LocalHost:{port}/hook",
    "http://api.localhost:{port}/hook",
    "http://\u24db\u24de\u24d2\u24d0\u24db\u24d7\u24de\u24e2\u24e3:{port}/hook",  # circled letters
    "https://localhost:{port}/hook",
    "http://0:{port}/hook",
    "http://0.0.0.0:{port}/hook",
    "http://[::]:{port}/hook",
    "http://user:secret@127.0.0.1:{port}/hook",
    "http://127.0.0.1:80@localhost:{port}/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://0xa9fea9fe/latest/meta-data",
    "http://[::ffff:169.254.169.254]/latest/meta-data",
    "http://10.0.0.1:{port}/hook",
    "http://172.16.0.1:{port}/hook",
    "http://192.168.1.1:{port}/hook",
    "http://100.64.0.1:{port}/hook",
    "http://[fd00::1]:{port}/hook",
    # names whose DNS answers are private: refused on the resolved address
    "http://rebind.test:{port}/hook",
    "http://REBIND.TEST.:{port}/hook",
    "http://private.test:{port}/hook",
    "http://metadata.test/latest/meta-data",
    "http://v6only.test:{port}/hook",
    "http://mapped.test:{port}/hook",
    "http://mixed.test:{port}/hook",
]


def host_of(url_template: str) -> str:
    """The host of a URL of the webhook corpus, as an SMTP host setting would spell it."""
    authority = url_template.split("//", 1)[1].split("/", 1)[0].rpartition("@")[2]
    if authority.startswith("["):
        return authority[: authority.index("]") + 1]
    return authority.partition(":")[0]


#: every host of the webhook corpus: literals, localhost names, names resolving inside
SMTP_HOSTS = sorted({host_of(url) for url in REFUSED_URLS})
