; Inno Setup script: a Windows installer from the one-folder bundle.
;
; On Windows, after `pyinstaller --noconfirm --distpath dist --workpath build\pyinstaller
; packaging\commandcenter.spec` has made dist\commandcenter\:
;     iscc packaging\windows\commandcenter.iss
; writes dist\CommandCenter-0.1.0-setup.exe. Pass /DAppVersion=X.Y.Z to override
; the version (keep it equal to pyproject.toml's).
;
; Installs per user by default (no administrator rights needed; the dialog offers
; all users). Data is never in the install folder: it stays in
; %LOCALAPPDATA%\commandcenter and survives an uninstall.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Command Center"
#define AppExe "commandcenter.exe"
#define Bundle "..\..\dist\commandcenter"

[Setup]
AppId={{6F1C3A52-8E0B-4C7D-9A43-3C2B5E1D7F90}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=The Command Center team
AppPublisherURL=https://github.com/commandcenter/CommandCenter
DefaultDirName={autopf}\CommandCenter
DefaultGroupName={#AppName}
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=CommandCenter-{#AppVersion}-setup
SetupIconFile=..\icons\commandcenter.ico
UninstallDisplayIcon={app}\{#AppExe}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"; Parameters: "gui"; IconFilename: "{app}\{#AppExe}"
Name: "{group}\Uninstall {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Parameters: "gui"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Parameters: "gui"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
