"""The platform's services and the code they share."""

import warnings

# eventlet 0.41 announces its own deprecation at import; nameko 2.14 has no other hub, and
# the notice would drown every process's first lines (and fail the warnings-as-errors suite).
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated", category=Warning)
# cryptography 51 deprecates DSA, which dnspython still registers when eventlet imports it: a
# notice about a library's internals, printed by every process (a command's errors included).
warnings.filterwarnings("ignore", message=r"DSA is deprecated", category=Warning)
