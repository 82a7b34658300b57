#!/usr/bin/env bash
# Runs the repository's Cake build (build/build.cake) with the Cake .NET tool from the local tool manifest.
#   ./build.sh                 the main job: build the toolkit, then the sample app's image into artifacts/image
#   ./build.sh --target=Test   every test
# Other Cake arguments pass through (e.g. --configuration=Debug, --verbosity=diagnostic).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if ! command -v dotnet >/dev/null 2>&1; then
    echo "error: the .NET SDK is not on PATH; install .NET 10 (https://dotnet.microsoft.com/download) and retry." >&2
    exit 1
fi

dotnet tool restore >/dev/null
exec dotnet cake build/build.cake "$@"
