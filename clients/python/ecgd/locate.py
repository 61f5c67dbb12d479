"""Finding the ecgd executable."""
import os
import pathlib
import shutil


def _checkouts():
    """Directories that may be an ecgd checkout: the working directory and its parents, then the
    directories above this package (an editable install inside the repository)."""
    seen = []
    for start in (pathlib.Path.cwd(), pathlib.Path(__file__).resolve().parent):
        for directory in (start, *start.parents):
            if directory not in seen:
                seen.append(directory)
    return [d for d in seen if (d / "Package.swift").is_file()]


def ecgd_candidates():
    """Where ``find_ecgd`` looks, in order, as ``(description, path or None)``."""
    candidates = [("$ECGD", os.environ.get("ECGD")), ("ecgd on the PATH", shutil.which("ecgd"))]
    for checkout in _checkouts():
        for configuration in ("release", "debug"):
            candidates.append((f"the {configuration} build of {checkout}",
                               str(checkout / ".build" / configuration / "ecgd")))
    return candidates


def find_ecgd():
    """The ecgd to run: ``$ECGD`` if set, else ``ecgd`` on the PATH, else the release (then debug)
    build of the ecgd checkout that holds the working directory or this package.

    Raises ``FileNotFoundError`` naming every place it looked.
    """
    explicit = os.environ.get("ECGD")
    if explicit:
        if os.access(explicit, os.X_OK) and os.path.isfile(explicit):
            return explicit
        raise FileNotFoundError(f"$ECGD is set to {explicit!r}, which is not an executable file")
    looked = []
    for description, path in ecgd_candidates():
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
        looked.append(f"{description} ({path})" if path else f"{description} (none)")
    raise FileNotFoundError(
        "ecgd not found; looked at: " + "; ".join(looked)
        + ". Set ECGD to the binary, put ecgd on the PATH, or run `make build` in the repository.")
