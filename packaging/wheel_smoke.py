"""What `cargo xtask dist` runs in each interpreter a wheel is installed
into (a fresh venv, or an aarch64 Python under qemu), beside the console
scripts: the SDK and the drop-in load, cross the native boundary both ways
and map an error to its exception. Offline: the only server it names is a
closed loopback port. Prints one line per check; any failure raises.

    python wheel_smoke.py STATE_DIR
"""

import sys

import xtu_toolkit
from xtu_toolkit import compat

state_dir = sys.argv[1]

# A token made natively and read back into a cookie jar.
jar = compat.deserialize_token('[{"key":"JSESSIONID","value":"v1","host":"jwxt.xtu.edu.cn","path":"/"}]')
names = sorted(c.name for c in jar)
assert names == ["JSESSIONID"], names
again = compat.deserialize_token(compat.serialize_token(jar, compressed=True), compressed=True)
assert [(c.name, c.value) for c in again] == [("JSESSIONID", "v1")]
print("drop-in: token round trip (plain and compressed) ok")

# Port 9 (discard) on loopback refuses: the error comes back as the
# exception of the command's exit code for an unreachable site.
client = xtu_toolkit.Client(
    sso_base_url="http://127.0.0.1:9",
    ems_base_url="http://127.0.0.1:9",
    state_dir=state_dir,
    timeout=5,
    proxy="none",
)
try:
    client.sso_login("202200000000", "not-a-password")
except xtu_toolkit.NetworkError as error:
    assert isinstance(error, xtu_toolkit.XtuError)
    print(f"sdk: unreachable site raised {type(error).__name__} ok")
else:
    raise AssertionError("a login to a closed port succeeded")

print(f"xtu_toolkit {xtu_toolkit.__version__} on Python {sys.version.split()[0]}: ok")
