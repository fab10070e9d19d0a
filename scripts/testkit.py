"""Helpers the fault, cluster and benchmark scripts share: valid ID numbers
and waiting for a server. Imported with scripts/ on sys.path."""
import time, urllib.request

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def citizen_id(n, county="640202"):
    """The n-th of a run of valid 18-digit ID numbers in `county`, born from 1950-01-01 on."""
    born = time.strftime("%Y%m%d", time.gmtime(-631152000 + (n % 20000) * 86400))
    first17 = f"{county}{born}{n // 20000:03d}"
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS)) % 11]


def wait_ready(url, seconds=60):
    """Waits until `url` answers; False when it never did."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return True
        except Exception:
            time.sleep(0.2)
    return False
