"""Finding the ecgd executable."""
import os
import shutil

_REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def find_ecgd():
    """The ecgd to run: $ECGD if set, else `ecgd` on the PATH, else a build in this checkout
    (debug first, as `make test` builds it, then release). Raises FileNotFoundError otherwise."""
    candidates = [os.environ.get("ECGD"), shutil.which("ecgd"),
                  os.path.join(_REPOSITORY, ".build", "debug", "ecgd"),
                  os.path.join(_REPOSITORY, ".build", "release", "ecgd")]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise FileNotFoundError("ecgd not found: set ECGD, put ecgd on the PATH, or run `make build`")
