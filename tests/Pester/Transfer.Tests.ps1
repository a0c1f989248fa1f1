# Pester 5 specs for the transfer: a clone fitted to a simulated observation through the pipeline, the result's view,
# its lines before and after, and Measure-BlaseResidual. (The result's view is checked against 80 columns in the module tests.) Under `dotnet test` the host has imported Blase already.
BeforeAll {
    if (-not (Get-Module Blase)) { Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'out', 'Blase', 'Blase.psd1')) -ErrorAction Stop }
    $dir = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), "blase-transfer-$([guid]::NewGuid())")
    $null = [System.IO.Directory]::CreateDirectory($dir)
    # A clone of 60 synthetic lines and an observation of it at RV -25 km/s, v sin i 4 km/s, R 55000, S/N 300.
    $model = [Blase.Engine.Transfer.ObservationSimulator]::SyntheticLines(60, 8650, 8672, 4)
    $pixels = [double[]]::new(334)
    for ($i = 0; $i -lt $pixels.Length; $i++) { $pixels[$i] = 8651.0 + 0.06 * $i }
    $flat = [System.Func[double, double]] { param($w) 1.0 }
    $order = [Blase.Engine.Transfer.ObservationSimulator]::Observe($model, $pixels, -25.0, 4.0, 0.6, 55000, $flat, 300, 3, 0)
    $observed = [Blase.Engine.Spectra.Spectrum]::new([Blase.Engine.Spectra.SpectralOrder[]]@($order))
}
AfterAll { [System.IO.Directory]::Delete($dir, $true) }

Describe 'Invoke-BlaseTransfer' {
    BeforeAll { $result = $observed | Invoke-BlaseTransfer -Model $model -BarycentricCorrection 0 }

    It 'recovers the injected RV within 3 sigma and v sin i' {
        [math]::Abs($result.RadialVelocity + 25) | Should -BeLessThan (3 * $result.RadialVelocityError)
        $result.Vsini | Should -BeGreaterThan 3
        $result.Vsini | Should -BeLessThan 5
        $result.BarycentricCorrectionApplied | Should -Be $false
    }

    It 'lists every line before and after, flat for Excel' {
        $records = @($result | Get-BlaseLine)
        $records | Should -HaveCount $model.Count
        $records[0].PSObject.Properties.Name | Should -Contain 'DepthBefore'
        $path = [System.IO.Path]::Combine($dir, 'changes.csv')
        ($result | Get-BlaseLine | Where-Object Fitted | Export-BlaseLines -Path $path).Name | Should -Be 'changes.csv'
        [System.IO.File]::ReadAllLines($path).Count | Should -BeGreaterThan 50
    }

    It 'fits only what -Free names' {
        $fixed = $observed | Invoke-BlaseTransfer -Model $model -Free RadialVelocity, Continuum -Vsini 4 -BarycentricCorrection 0
        $fixed.Vsini | Should -Be 4
        $fixed.LinesChanged | Should -Be 0
    }

    It 'says what is wrong with a bad -PriorScale, as an error record' {
        $out = @($observed | Invoke-BlaseTransfer -Model $model -PriorScale @{ Width = 1 } -ErrorVariable err -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 0
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].Exception.Message | Should -Match 'PriorScale'
    }

    It 'masks deep tellurics with -TelluricMask, and says a mask needs -Telluric' {
        # One telluric line 30 % deep (log mode: a = -ln(0.7)/V(0)) in the middle of the order.
        $shape = [Blase.Engine.Lines.LineShape]::new('PseudoVoigt', 0.03, 0.01)
        $telluric = [Blase.Engine.Lines.LineModel]::new([double[]]@(8661.0), [double[]]@([math]::Log(-[math]::Log(0.7) / $shape.Value(0))),
            [double[]]@([math]::Log(0.03)), [double[]]@([math]::Log(0.01)), 'PseudoVoigt', 'Log')
        $masked = $observed | Invoke-BlaseTransfer -Model $model -Telluric $telluric -TelluricMask 0.02 -BarycentricCorrection 0 -Verbose 4>&1 |
            Where-Object { $_ -is [Blase.Engine.Transfer.TransferResult] -or $_.Message -match 'masked' }
        $result = @($masked | Where-Object { $_ -is [Blase.Engine.Transfer.TransferResult] })[0]
        $result.TelluricMaskDepth | Should -Be 0.02
        $result.Orders[0].GoodPixels | Should -BeLessThan ($observed.GoodPixelCount - 5)
        @($masked | Where-Object { $_ -isnot [Blase.Engine.Transfer.TransferResult] }).Count | Should -BeGreaterThan 0

        $out = @($observed | Invoke-BlaseTransfer -Model $model -TelluricMask 0.02 -ErrorVariable err -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 0
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].Exception.Message | Should -Match 'telluric line model'
    }
}

Describe 'Measure-BlaseResidual' {
    It 'is smaller at the true RV than far from it' {
        $near = $observed | Measure-BlaseResidual -Model $model -RadialVelocity -25 -Vsini 4 -ResolvingPower 55000
        $far = $observed | Measure-BlaseResidual -Model $model -RadialVelocity 25 -Vsini 4 -ResolvingPower 55000
        $near.ResidualRms | Should -BeLessThan (0.5 * $far.ResidualRms)
        # The pixels beyond the template's lines (at any RV within reach) are left out.
        $near.Pixels | Should -BeGreaterThan 300
    }
}
