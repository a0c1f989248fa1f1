# Pester 5 specs for checkpoints on the cmdlets: -CheckpointPath writes one, the same command resumes from it, another run's
# checkpoint is refused until -Force, Import-BlaseModel reads the model in it, and its help says so.
BeforeAll {
    if (-not (Get-Module Blase)) { Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'out', 'Blase', 'Blase.psd1')) -ErrorAction Stop }
    $dir = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), "blase-ckpt-$([guid]::NewGuid())")
    $null = [System.IO.Directory]::CreateDirectory($dir)
    # A synthetic normalized template: six Gaussian lines on 6000-6008 A.
    $n = 801
    $wl = [double[]]::new($n); $fl = [double[]]::new($n)
    for ($i = 0; $i -lt $n; $i++) {
        $wl[$i] = 6000 + 0.01 * $i
        $f = 1.0
        for ($k = 0; $k -lt 6; $k++) { $d = $wl[$i] - 6000.7 - 1.2 * $k; $f *= 1 - (0.1 + 0.06 * $k) * [math]::Exp(-0.5 * $d * $d / 0.0025) }
        $fl[$i] = $f
    }
    $template = [Blase.Engine.Spectra.Spectrum]::FromArrays($wl, $fl, $null, 'Angstrom', 'Vacuum', $null)
}
AfterAll { [System.IO.Directory]::Delete($dir, $true) }

Describe 'Checkpoints' {
    It 'writes a checkpoint that Import-BlaseModel reads, and resumes from it to the same model' {
        $path = [System.IO.Path]::Combine($dir, 'clone.ckpt.fits')
        $whole = $template | Invoke-BlaseClone -Normalized -Device Cpu -Optimizer Adam -Epochs 30 -Tolerance 0 -Patience 100
        $first = $template | Invoke-BlaseClone -Normalized -Device Cpu -Optimizer Adam -Epochs 30 -Tolerance 0 -Patience 100 -CheckpointPath $path -CheckpointInterval 4
        Test-Path $path | Should -BeTrue
        $saved = Import-BlaseModel -Path $path
        $saved.Count | Should -Be $whole.Count
        ($saved.Provenance -join "`n") | Should -Match 'checkpoint: the best of 28 iterations'
        # The same command again resumes after iteration 28 and ends where an uninterrupted run does.
        $again = $template | Invoke-BlaseClone -Normalized -Device Cpu -Optimizer Adam -Epochs 30 -Tolerance 0 -Patience 100 -CheckpointPath $path -CheckpointInterval 4 -Verbose 4>&1
        $verbose = @($again | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }) -join "`n"
        $verbose | Should -Match 'resuming from the checkpoint'
        $model = $again | Where-Object { $_ -is [Blase.Engine.Lines.LineModel] }
        ($model.Provenance -join "`n") | Should -Match 'resumed from the checkpoint .* after 28 iterations'
        $model.LnAmplitude | Should -Be $whole.LnAmplitude
        $model.Center | Should -Be $whole.Center
    }

    It 'refuses the checkpoint of another run, and starts over with -Force' {
        $path = [System.IO.Path]::Combine($dir, 'other.ckpt.fits')
        $null = $template | Invoke-BlaseClone -Normalized -Device Cpu -Epochs 6 -CheckpointPath $path -CheckpointInterval 2
        $template | Invoke-BlaseClone -Normalized -Device Cpu -Epochs 6 -Optimizer Adam -CheckpointPath $path -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].Exception.Message | Should -Match 'options differ.*-Force'
        $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        $m = $template | Invoke-BlaseClone -Normalized -Device Cpu -Epochs 6 -Optimizer Adam -CheckpointPath $path -Force
        $m.Count | Should -Be 6
        ($m.Provenance -join "`n") | Should -Not -Match 'resumed'
    }

    It 'names the model format in the checkpoint''s extension, and checkpoints networks only' {
        $template | Invoke-BlaseClone -Normalized -Device Cpu -Epochs 2 -CheckpointPath ([System.IO.Path]::Combine($dir, 'run.ckpt')) -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].Exception.Message | Should -Match 'name it \*\.fits'
        $grid = foreach ($t in 5000, 5200, 5400, 5600) {
            [Blase.Engine.Spectra.Spectrum]::FromArrays($wl, [double[]]($fl | ForEach-Object { $_ * $t / 5000 }), $null, 'Angstrom', 'Vacuum',
                [Blase.Engine.Spectra.SpectrumMetadata]@{ Teff = $t; LogG = 4.5; Metallicity = 0 })
        }
        $grid | New-BlaseEmulator -CheckpointPath ([System.IO.Path]::Combine($dir, 'pca.ckpt.npz')) -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].Exception.Message | Should -Match 'covers the network'
    }

    It 'documents -<Name> on <Command>' -ForEach @(
        foreach ($c in 'Invoke-BlaseClone', 'Invoke-BlaseTransfer', 'New-BlaseEmulator') {
            foreach ($p in 'CheckpointPath', 'CheckpointInterval', 'Force') { @{ Command = $c; Name = $p } }
        }) {
        $help = Get-Help $Command -Parameter $Name
        [string]$help.description.Text | Should -Not -BeNullOrEmpty
    }
}
