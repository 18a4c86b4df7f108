; Inno Setup 6 script: installs the PyInstaller folder dist\socketscope as SocketScope.
; WRITTEN, NOT RUN here (see the README). Built by packaging\windows\build.ps1, which passes
; /DAppVersion from socketscope.__version__. UTF-8 with a BOM, for the Korean texts.
#ifndef AppVersion
  #error Pass /DAppVersion=x.y.z (packaging\windows\build.ps1 does)
#endif
#define Root AddBackslash(SourcePath) + "..\.."

[Setup]
AppId={{F75FEC8A-F7A2-4544-A4A7-14505380A86E}
AppName=SocketScope
AppVersion={#AppVersion}
AppVerName=SocketScope {#AppVersion}
AppPublisher=SocketScope developers
DefaultDirName={autopf}\SocketScope
DefaultGroupName=SocketScope
DisableProgramGroupPage=yes
; per-user or all users, as the person installing chooses (lab machines: all users)
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#Root}\dist
OutputBaseFilename=SocketScope-{#AppVersion}-setup
SetupIconFile={#Root}\build\icons\socketscope.ico
UninstallDisplayIcon={app}\socketscope.exe
UninstallDisplayName=SocketScope
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ShowLanguageDialog=auto

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
Name: "korean"; MessagesFile: "compiler:Languages\Korean.isl"

[CustomMessages]
english.AppComment=Watch real loopback socket calls block, connect and move bytes, call by call
korean.AppComment=실제 루프백 소켓 호출이 대기하고, 연결하고, 바이트를 옮기는 과정을 호출 하나하나 살펴봅니다

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#Root}\dist\socketscope\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\SocketScope"; Filename: "{app}\socketscope.exe"; Comment: "{cm:AppComment}"
Name: "{autodesktop}\SocketScope"; Filename: "{app}\socketscope.exe"; Comment: "{cm:AppComment}"; Tasks: desktopicon

[Run]
Filename: "{app}\socketscope.exe"; Description: "{cm:LaunchProgram,SocketScope}"; Flags: nowait postinstall skipifsilent

; The uninstaller removes what it installed; the user's settings (registry,
; HKCU\Software\SocketScope) stay, as on Linux.
