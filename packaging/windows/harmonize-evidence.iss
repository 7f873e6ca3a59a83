; Inno Setup script: a per-user installer for Windows (no administrator rights needed).
;
; Made by `packaging/build` on Windows after PyInstaller's one-folder build, as
;   ISCC /DAppVersion=<version> /DRoot=<checkout> packaging\windows\harmonize-evidence.iss
; which writes dist\harmonize-evidence-<version>-setup.exe. NOT YET RUN: this project has no
; Windows machine; .github/workflows/installers.yml is where it is meant to run.

#ifndef AppVersion
  #error Pass the version: ISCC /DAppVersion=0.1.0 /DRoot=C:\path\to\checkout
#endif
#ifndef Root
  #define Root "..\.."
#endif

[Setup]
AppId={{6C0E9B4A-3F1D-4C8B-9E57-2B1A7D5F4E21}
AppName=Harmonize Evidence
AppVersion={#AppVersion}
AppPublisher=Harmonize Evidence
VersionInfoVersion={#AppVersion}
; Per user: installs under %LOCALAPPDATA%\Programs, asks for no administrator rights.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
DefaultDirName={autopf}\Harmonize Evidence
DefaultGroupName=Harmonize Evidence
DisableProgramGroupPage=yes
OutputDir={#Root}\dist
OutputBaseFilename=harmonize-evidence-{#AppVersion}-setup
SetupIconFile={#Root}\build\icons\harmonize-evidence.ico
UninstallDisplayIcon={app}\HarmonizeEvidence.exe
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The one-folder build: HarmonizeEvidence.exe (windowed, for the Start menu), harmonize-evidence.exe
; (the command line) and _internal\.
Source: "{#Root}\dist\harmonize-evidence\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Harmonize Evidence"; Filename: "{app}\HarmonizeEvidence.exe"
Name: "{autodesktop}\Harmonize Evidence"; Filename: "{app}\HarmonizeEvidence.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\HarmonizeEvidence.exe"; Description: "{cm:LaunchProgram,Harmonize Evidence}"; Flags: nowait postinstall skipifsilent

; The evidence store (%LOCALAPPDATA%\Harmonize Evidence) is never removed by the uninstaller: it
; holds evidence that may still be needed.
