#!/usr/bin/env pwsh
# Runs the repository's Cake build (build/build.cake) with the Cake .NET tool from the local tool manifest.
#   ./build.ps1                 the main job: build the toolkit, then the sample app's image into artifacts/image
#   ./build.ps1 --target=Test   every test
$ErrorActionPreference = 'Stop'
Set-Location -LiteralPath $PSScriptRoot

$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
$env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'

if (-not (Get-Command dotnet -ErrorAction SilentlyContinue)) {
    Write-Error 'The .NET SDK is not on PATH; install .NET 10 (https://dotnet.microsoft.com/download) and retry.'
}

dotnet tool restore | Out-Null
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
dotnet cake build/build.cake @args
exit $LASTEXITCODE
