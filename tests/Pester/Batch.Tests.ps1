# Pester 5 specs for Invoke-BlaseBatch's surface: its parameters and pipeline binding, -WhatIf, recipe errors, and a small
# batch on simulated data (a saved model and two simulated observations, one garbage file): reduce, skip, -Force, failures.
# The real-data bar (HPF files, kill and rerun, -ThrottleLimit 2, Slurm) is in tests/Blase.Module.Tests/BatchTests.cs.
BeforeAll {
    if (-not (Get-Module Blase)) { Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'out', 'Blase', 'Blase.psd1')) -ErrorAction Stop }
    $dir = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), "blase-batch-$([guid]::NewGuid())")
    $inputs = [System.IO.Path]::Combine($dir, 'in')
    $null = [System.IO.Directory]::CreateDirectory($inputs)
    # A model of 60 synthetic lines, saved, and two observations of it (RV -25 and +12 km/s) as FITS inputs.
    $model = [Blase.Engine.Transfer.ObservationSimulator]::SyntheticLines(60, 8640, 8676, 4)
    $modelPath = [System.IO.Path]::Combine($dir, 'model.fits')
    $null = $model | Save-BlaseModel -Path $modelPath
    $pixels = [double[]]::new(220)
    for ($i = 0; $i -lt $pixels.Length; $i++) { $pixels[$i] = 8651.0 + 0.06 * $i }
    $flat = [System.Func[double, double]] { param($w) 1.0 }
    foreach ($star in @(@{ Name = 'star-a'; Rv = -25.0 }, @{ Name = 'star-b'; Rv = 12.0 })) {
        $order = [Blase.Engine.Transfer.ObservationSimulator]::Observe($model, $pixels, $star.Rv, 4.0, 0.6, 55000, $flat, 300, 3, 0)
        $spectrum = [Blase.Engine.Spectra.Spectrum]::new([Blase.Engine.Spectra.SpectralOrder[]]@($order))
        $null = $spectrum | Export-BlaseSpectrum -Path ([System.IO.Path]::Combine($inputs, "$($star.Name).fits"))
    }
    [System.IO.File]::WriteAllText([System.IO.Path]::Combine($inputs, 'broken.fits'), 'SIMPLE  =                    T / not really')
    $recipe = @{ Model = $modelPath; Transfer = @{ BarycentricCorrection = 0; Free = 'RadialVelocity', 'Continuum'; Vsini = 4; RadialVelocitySearch = 100 } }
}
AfterAll { [System.IO.Directory]::Delete($dir, $true) }

Describe 'Invoke-BlaseBatch parameters' {
    BeforeAll { $command = Get-Command Invoke-BlaseBatch }

    It 'takes the recipe first and the inputs by -Path (wildcards, from the pipeline) or -LiteralPath (by property name)' {
        $command.Parameters['Recipe'].Attributes.Where({ $_ -is [System.Management.Automation.ParameterAttribute] }).Mandatory | Should -Contain $true
        $path = $command.Parameters['Path'].Attributes.Where({ $_ -is [System.Management.Automation.ParameterAttribute] })[0]
        $path.ValueFromPipeline | Should -BeTrue
        $path.ValueFromPipelineByPropertyName | Should -BeTrue
        $command.Parameters['LiteralPath'].Aliases | Should -Contain 'FullName'
        $command.Parameters['LiteralPath'].Aliases | Should -Contain 'PSPath'
    }

    It 'supports -WhatIf and -Confirm, -Force, -ThrottleLimit and the Slurm options' {
        foreach ($p in 'WhatIf', 'Confirm', 'Force', 'ThrottleLimit', 'OutputDirectory', 'LogPath', 'SummaryPath', 'Scheduler', 'Partition', 'TimeLimit', 'SlurmOption', 'NoWait') {
            $command.Parameters.Keys | Should -Contain $p
        }
        [enum]::GetNames($command.Parameters['Scheduler'].ParameterType) | Should -Be @('Local', 'Slurm')
        { Invoke-BlaseBatch -Recipe $recipe -Path x -OutputDirectory $dir -ThrottleLimit 0 } | Should -Throw
    }

    It 'has help for every parameter and examples' {
        $help = Get-Help Invoke-BlaseBatch -Full
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
        foreach ($p in $help.parameters.parameter) { [string]$p.description.Text | Should -Not -BeNullOrEmpty -Because $p.name }
    }
}

Describe 'Invoke-BlaseBatch recipes' {
    It 'refuses <Case> with a terminating error that says what is wrong' -ForEach @(
        @{ Case = 'an unknown key'; Recipe = @{ Model = 'MODEL'; Tranfser = @{} }; Message = "*no key 'Tranfser'*" }
        @{ Case = 'both Template and Model'; Recipe = @{ Model = 'MODEL'; Template = 'MODEL' }; Message = '*exactly one of Template*' }
        @{ Case = 'neither Template nor Model'; Recipe = @{ Transfer = @{} }; Message = '*exactly one of Template*' }
        @{ Case = 'a parameter Invoke-BlaseTransfer does not have'; Recipe = @{ Model = 'MODEL'; Transfer = @{ Bogus = 1 } }; Message = "*'Bogus'*Invoke-BlaseTransfer*" }
        @{ Case = 'a parameter the batch sets itself'; Recipe = @{ Model = 'MODEL'; Transfer = @{ Model = 'x' } }; Message = "*'Model'*sets*" }
        @{ Case = 'a telluric model given as a Transfer parameter'; Recipe = @{ Model = 'MODEL'; Transfer = @{ Telluric = 'x' } }; Message = "*'Telluric'*sets*" }
        @{ Case = 'a missing telluric file'; Recipe = @{ Model = 'MODEL'; Telluric = 'no-such-tellurics.fits' }; Message = '*Telluric file does not exist*' }
        @{ Case = 'an unknown output'; Recipe = @{ Model = 'MODEL'; Outputs = 'Pdf' }; Message = "*Outputs has 'Pdf'*" }
        @{ Case = 'a missing template file'; Recipe = @{ Template = 'no-such-template.fits' }; Message = '*does not exist*' }
        @{ Case = 'a recipe file that is not .psd1'; Recipe = 'MODEL'; Message = '*.psd1*' }
    ) {
        $r = if ($Recipe -is [hashtable]) { $Recipe.Clone() } else { $Recipe }
        if ($r -is [string]) { $r = $modelPath } elseif ($r.Model -eq 'MODEL') { $r.Model = $modelPath }
        if ($r.Template -eq 'MODEL') { $r.Template = $modelPath }
        $err = $null
        try { Invoke-BlaseBatch -Recipe $r -Path (Join-Path $inputs '*.fits') -OutputDirectory (Join-Path $dir 'bad') -ErrorAction Stop } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'Blase.BadRecipe*'
        "$($err.ErrorDetails.Message)" | Should -BeLike $Message
        $err.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        Test-Path (Join-Path $dir 'bad') | Should -BeFalse
    }

    It 'takes a script block that returns the recipe, and refuses one that does not' {
        $r = Invoke-BlaseBatch -Recipe { $recipe } -LiteralPath (Join-Path $inputs 'star-a.fits') -OutputDirectory (Join-Path $dir 'block')
        $r.Outcome | Should -Be 'Reduced'
        $err = $null
        try { Invoke-BlaseBatch -Recipe { 1; 2 } -LiteralPath (Join-Path $inputs 'star-a.fits') -OutputDirectory (Join-Path $dir 'block') -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'Blase.BadRecipe*'
        "$($err.ErrorDetails.Message)" | Should -BeLike '*must return one hashtable*'
    }

    It 'reads a .psd1 settings file with paths relative to it' {
        $file = Join-Path $dir 'recipe.psd1'
        Set-Content -LiteralPath $file -Value "@{ Model = 'model.fits'; Transfer = @{ BarycentricCorrection = 0; Free = 'RadialVelocity', 'Continuum'; Vsini = 4 } }"
        $r = Invoke-BlaseBatch -Recipe $file -LiteralPath (Join-Path $inputs 'star-a.fits') -OutputDirectory (Join-Path $dir 'psd1')
        $r.Outcome | Should -Be 'Reduced'
        [math]::Abs($r.RadialVelocityKms + 25) | Should -BeLessThan (4 * $r.RadialVelocityErrorKms + 0.05)
    }
}

Describe 'Invoke-BlaseBatch on simulated spectra' {
    BeforeAll { $out = Join-Path $dir 'out' }

    It 'does nothing with -WhatIf' {
        Invoke-BlaseBatch -Recipe $recipe -Path (Join-Path $inputs '*.fits') -OutputDirectory $out -WhatIf | Should -BeNullOrEmpty
        Test-Path $out | Should -BeFalse
    }

    It 'reduces the good files, records the broken one as a failure with its reason, and goes on' {
        $errs = $null
        $r = @(Get-ChildItem $inputs -Filter *.fits | Invoke-BlaseBatch -Recipe $recipe -OutputDirectory $out -ErrorVariable errs -ErrorAction SilentlyContinue)
        $r.Input | Should -Be @('broken.fits', 'star-a.fits', 'star-b.fits')
        $r.Outcome | Should -Be @('Failed', 'Reduced', 'Reduced')
        $r[0].Reason | Should -Not -BeNullOrEmpty
        @($errs).Count | Should -Be 1
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $errs[0].TargetObject | Should -BeLike '*broken.fits'
        [math]::Abs($r[2].RadialVelocityKms - 12) | Should -BeLessThan (4 * $r[2].RadialVelocityErrorKms + 0.05)
        foreach ($f in 'star-a.transfer.csv', 'star-a.lines.csv', 'star-a.manifest.json', 'broken.manifest.json', 'summary.csv', 'batch.log') {
            Test-Path (Join-Path $out $f) | Should -BeTrue -Because $f
        }
        $summary = @(Import-Csv (Join-Path $out 'summary.csv'))
        $summary.Status | Should -Be @('Failed', 'Reduced', 'Reduced')
        @(Get-Content (Join-Path $out 'batch.log')).Count | Should -Be 3
        @(Get-ChildItem $out -Recurse -Force -Filter *.tmp).Count | Should -Be 0
    }

    It 'skips what is done on a rerun, retries the failure, and redoes everything with -Force' {
        $before = (Get-Item (Join-Path $out 'star-a.lines.csv')).LastWriteTimeUtc
        $r = @(Invoke-BlaseBatch -Recipe $recipe -Path (Join-Path $inputs 'star-*.fits') -OutputDirectory $out)
        $r.Outcome | Should -Be @('Skipped', 'Skipped')
        (Get-Item (Join-Path $out 'star-a.lines.csv')).LastWriteTimeUtc | Should -Be $before
        $r = @(Invoke-BlaseBatch -Recipe $recipe -Path (Join-Path $inputs '*.fits') -OutputDirectory $out -ErrorAction SilentlyContinue)
        $r.Outcome | Should -Be @('Failed', 'Skipped', 'Skipped')
        $r = @(Invoke-BlaseBatch -Recipe $recipe -LiteralPath (Join-Path $inputs 'star-a.fits') -OutputDirectory $out -Force)
        $r.Outcome | Should -Be 'Reduced'
    }

    It 'fits a saved telluric model the recipe names, and redoes an input when that file changes' {
        # Two tellurics 30 % deep (log mode: a = -ln(0.7)/V(0)) in the observation of the model at RV -25 km/s.
        $shape = [Blase.Engine.Lines.LineShape]::new('PseudoVoigt', 0.03, 0.01)
        $a = [math]::Log(-[math]::Log(0.7) / $shape.Value(0))
        $telluric = [Blase.Engine.Lines.LineModel]::new([double[]]@(8656.0, 8660.0), [double[]]@($a, $a),
            [double[]]@([math]::Log(0.03), [math]::Log(0.03)), [double[]]@([math]::Log(0.01), [math]::Log(0.01)), 'PseudoVoigt', 'Log')
        $tellPath = Join-Path $dir 'tellurics.blase.fits'
        $null = $telluric | Save-BlaseModel -Path $tellPath
        $order = [Blase.Engine.Transfer.ObservationSimulator]::Observe($model, $pixels, -25.0, 4.0, 0.6, 55000, $flat, 300, 5, 0, $telluric)
        $file = Join-Path $dir 'star-t.fits'
        $null = [Blase.Engine.Spectra.Spectrum]::new([Blase.Engine.Spectra.SpectralOrder[]]@($order)) | Export-BlaseSpectrum -Path $file
        $withTellurics = @{ Model = $modelPath; Telluric = $tellPath
            Transfer = @{ BarycentricCorrection = 0; Free = 'RadialVelocity', 'Continuum', 'Telluric'; Vsini = 4; RadialVelocitySearch = 100; TelluricMask = 0.02 } }
        $tout = Join-Path $dir 'tellurics'
        $r = Invoke-BlaseBatch -Recipe $withTellurics -LiteralPath $file -OutputDirectory $tout -Verbose 4>&1
        $verbose = @($r | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message
        $verbose | Should -Contain "telluric model: 2 lines from $tellPath"
        $result = @($r | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })[0]
        $result.Outcome | Should -Be 'Reduced'
        [math]::Abs($result.RadialVelocityKms + 25) | Should -BeLessThan (4 * $result.RadialVelocityErrorKms + 0.05)
        (Invoke-BlaseBatch -Recipe $withTellurics -LiteralPath $file -OutputDirectory $tout).Outcome | Should -Be 'Skipped'
        $telluric.LnAmplitude[0] += 0.1
        $null = $telluric | Save-BlaseModel -Path $tellPath -Force
        (Invoke-BlaseBatch -Recipe $withTellurics -LiteralPath $file -OutputDirectory $tout).Outcome | Should -Be 'Reduced'
    }

    It 'redoes an input whose output was changed, or when the recipe changes' {
        Add-Content -LiteralPath (Join-Path $out 'star-b.transfer.csv') -Value 'tampered'
        (Invoke-BlaseBatch -Recipe $recipe -LiteralPath (Join-Path $inputs 'star-b.fits') -OutputDirectory $out).Outcome | Should -Be 'Reduced'
        $other = @{ Model = $modelPath; Transfer = @{ BarycentricCorrection = 0; Free = 'RadialVelocity', 'Continuum'; Vsini = 5 } }
        (Invoke-BlaseBatch -Recipe $other -LiteralPath (Join-Path $inputs 'star-b.fits') -OutputDirectory $out).Outcome | Should -Be 'Reduced'
        # The same recipe written in another order and case is the same recipe.
        $same = @{ transfer = @{ vsini = 5; free = 'RadialVelocity', 'Continuum'; BarycentricCorrection = 0 }; model = $modelPath }
        (Invoke-BlaseBatch -Recipe $same -LiteralPath (Join-Path $inputs 'star-b.fits') -OutputDirectory $out).Outcome | Should -Be 'Skipped'
    }
}
