<#
.SYNOPSIS
A nightly, unattended reduction of a folder of HPF spectra with Invoke-BlaseBatch: here, or as a Slurm job array.

.DESCRIPTION
Reduces every *.fits file in -Inbox with the recipe examples/nightly.psd1 (a 3900 K PHOENIX clone fitted to 8660–8760 Å of
each spectrum: RV, v sin i, continuum) into -OutputDirectory: per input <name>.transfer.csv, <name>.lines.csv and
<name>.manifest.json, plus summary.csv (every input) and batch.log (one line per input and run). Files reduced on an earlier
night are skipped (the manifests say so), so the task can run every night over a folder that only grows; a file that fails
is reported and retried the next night. Under blase the exit code is 1 when any file failed, else 0: what cron or the Task
Scheduler records.

With -Scheduler Slurm the files still to do go to the cluster as one job array (a task per file, each running blase on the
same recipe); the script waits for the job and writes the same summary. The output folder and the data must be on a file
system the compute nodes see.

.PARAMETER Inbox
The folder the night's spectra arrive in (default: ../shared/data/hpf beside this checkout, the project's sample files).

.PARAMETER OutputDirectory
Where the reductions go (default: blase-nightly in the temporary folder).

.PARAMETER Scheduler
Local (default) or Slurm.

.PARAMETER Partition
The Slurm partition (with -Scheduler Slurm).

.PARAMETER ThrottleLimit
How many files to reduce at once on this machine (default 1); on Slurm, how many tasks may run at once.

.EXAMPLE
dotnet run --project src/Blase.Host -- examples/nightly.ps1
Reduces the project's three sample HPF files into the temporary folder; a second run skips them.

.EXAMPLE
30 7 * * *  cd /opt/blase && dotnet /opt/blase/host/blase.dll -NoProgress examples/nightly.ps1 /data/hpf/inbox /data/hpf/reduced >> /var/log/blase-nightly.log 2>&1
A crontab line: every morning at 07:30 (after the night's files arrived), on a machine without pwsh (blase is the
src/Blase.Host build output, e.g. `dotnet publish src/Blase.Host -c Release -o /opt/blase/host`).

.EXAMPLE
schtasks /Create /TN "Blase nightly" /SC DAILY /ST 07:30 /TR "pwsh -NoProfile -File C:\blase\examples\nightly.ps1 D:\hpf\inbox D:\hpf\reduced"
The same as a Windows scheduled task, under pwsh with the module installed (Import-Module finds Blase on PSModulePath).
pwsh's own exit code stays 0 after a non-terminating error, so this script exits 1 itself when a file failed.

.EXAMPLE
30 7 * * *  cd /shared/blase && dotnet host/blase.dll -NoProgress examples/nightly.ps1 /shared/hpf/inbox /shared/hpf/reduced -Scheduler Slurm -Partition debug
The same on a Slurm cluster, from a login node's crontab: one array task per new file; the cron job waits for the array
and writes summary.csv. (To submit and return at once, call Invoke-BlaseBatch -NoWait; run it again later to gather.)
#>
param(
    [string]$Inbox = [System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'shared', 'data', 'hpf'),
    [string]$OutputDirectory = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'blase-nightly'),
    [ValidateSet('Local', 'Slurm')][string]$Scheduler = 'Local',
    [string]$Partition,
    [ValidateRange(1, 1024)][int]$ThrottleLimit = 1
)
if (-not (Get-Command Invoke-BlaseBatch -ErrorAction Ignore)) { Import-Module Blase -ErrorAction Stop }

$batch = @{
    Recipe          = [System.IO.Path]::Combine($PSScriptRoot, 'nightly.psd1')
    Path            = [System.IO.Path]::Combine($Inbox, '*.fits')
    OutputDirectory = $OutputDirectory
}
if ($Scheduler -eq 'Slurm') {
    $batch.Scheduler = 'Slurm'
    $batch.TimeLimit = '00:30:00'
    if ($Partition) { $batch.Partition = $Partition }
    if ($PSBoundParameters.ContainsKey('ThrottleLimit')) { $batch.ThrottleLimit = $ThrottleLimit }
}
else {
    $batch.ThrottleLimit = $ThrottleLimit
}

$results = @(Invoke-BlaseBatch @batch)
$results | Format-Table
$failed = @($results | Where-Object Outcome -eq 'Failed')
"{0} reduced, {1} skipped, {2} failed; summary: {3}" -f @($results | Where-Object Outcome -eq 'Reduced').Count,
    @($results | Where-Object Outcome -eq 'Skipped').Count, $failed.Count, [System.IO.Path]::Combine($OutputDirectory, 'summary.csv')
if ($failed.Count -gt 0) { exit 1 }
