# Build SocketScope's Windows installer: dist\SocketScope-<version>-setup.exe.
# WRITTEN, NOT RUN: the project's machines are Linux. On Windows 10/11 (x64) with Python 3.11+
# (the py launcher) and Inno Setup 6 installed, from anywhere:
#
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
#
# Steps: a venv (.venv-win) with the project and its `package` extra (PyInstaller), the .ts
# translations compiled to .qm (what scripts/build_translations.sh does on Linux), the icons
# rendered from the SVG (build\icons\socketscope.ico), the PyInstaller folder dist\socketscope
# (packaging\socketscope.spec), its --self-test run offscreen, then Inno Setup over that folder.
# Korean text needs no font from us: Windows ships Malgun Gothic, which Qt finds by itself.
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")

$venv = if ($env:VENV) { $env:VENV } else { ".venv-win" }
$py = Join-Path $venv "Scripts\python.exe"
if (-not (Test-Path $py)) { py -3 -m venv $venv }
& $py -m pip install -q --upgrade pip
& $py -m pip install -q -e ".[package]"
if ($LASTEXITCODE -ne 0) { throw "pip install failed" }

# 1. translations: .ts -> .qm next to them (bundled with everything under resources\)
$lrelease = Join-Path $venv "Scripts\pyside6-lrelease.exe"
Get-ChildItem app\socketscope\resources\i18n\*.ts -ErrorAction SilentlyContinue | ForEach-Object {
    & $lrelease -silent $_.FullName -qm ($_.FullName -replace '\.ts$', '.qm')
    if ($LASTEXITCODE -ne 0) { throw "lrelease failed on $($_.Name)" }
}

# 2. icons (.ico for the exe and the installer)
$env:QT_QPA_PLATFORM = "offscreen"
& $py packaging\make_icons.py build\icons
if ($LASTEXITCODE -ne 0) { throw "make_icons failed" }
Remove-Item Env:QT_QPA_PLATFORM

# 3. the PyInstaller folder
if (Test-Path dist\socketscope) { Remove-Item -Recurse -Force dist\socketscope }
& $py -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build\pyinstaller `
    packaging\socketscope.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }

# 4. smoke test: a windowed exe has no console, so wait for it and read its exit code
$env:QT_QPA_PLATFORM = "offscreen"
$p = Start-Process -FilePath dist\socketscope\socketscope.exe -ArgumentList "--self-test" `
    -Wait -PassThru -NoNewWindow
Remove-Item Env:QT_QPA_PLATFORM
if ($p.ExitCode -ne 0) { throw "the bundle's --self-test failed (exit $($p.ExitCode))" }

# 5. the installer; the version comes from socketscope.__version__ only
$version = (& $py -c "import socketscope; print(socketscope.__version__)").Trim()
$iscc = (Get-Command iscc.exe -ErrorAction SilentlyContinue).Source
if (-not $iscc) { $iscc = Join-Path ${env:ProgramFiles(x86)} "Inno Setup 6\ISCC.exe" }
if (-not (Test-Path $iscc)) { throw "Inno Setup 6 (ISCC.exe) not found: install it from jrsoftware.org" }
& $iscc /Q "/DAppVersion=$version" packaging\windows\socketscope.iss
if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed" }
Write-Host "built dist\SocketScope-$version-setup.exe"
