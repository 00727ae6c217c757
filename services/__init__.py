"""The platform's services and the code they share."""

import warnings

# eventlet 0.41 announces its own deprecation at import; nameko 2.14 has no other hub, and
# the notice would drown every process's first lines (and fail the warnings-as-errors suite).
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated", category=Warning)
