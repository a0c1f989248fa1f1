# Pester 5 specs for Export-BlasePlot: every kind renders a PNG of the asked size from the real data (the figures the help's
# examples draw, which HelpExamples.Tests.ps1 runs as written), and the figures an input cannot give are refused.
# Under Invoke-Pester (pwsh), discovery needs the data folder for -Skip, and the run needs the module: both are set
# here; under `dotnet test` the host provides $BlaseDataRoot and has imported Blase already.
if (-not $BlaseDataRoot) { $BlaseDataRoot = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..', '..', 'shared', 'data')) }
BeforeAll {
    if (-not $BlaseDataRoot) { $BlaseDataRoot = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..', '..', 'shared', 'data')) }
    if (-not (Get-Module Blase)) { Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'out', 'Blase', 'Blase.psd1')) -ErrorAction Stop }
    $dir = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), "blase-plot-$([guid]::NewGuid())")
    $null = [System.IO.Directory]::CreateDirectory($dir)

    # A PNG's width and height, from its IHDR chunk (big-endian, bytes 16–23), after checking the signature.
    function Get-PngSize([string]$Path) {
        $b = [System.IO.File]::ReadAllBytes($Path)
        [System.Text.Encoding]::ASCII.GetString($b, 1, 3) | Should -Be 'PNG'
        $be = { param($o) ([int]$b[$o] -shl 24) -bor ([int]$b[$o + 1] -shl 16) -bor ([int]$b[$o + 2] -shl 8) -bor [int]$b[$o + 3] }
        [pscustomobject]@{ Width = & $be 16; Height = & $be 20; Bytes = $b.Length }
    }
}
AfterAll { [System.IO.Directory]::Delete($dir, $true) }

Describe 'Export-BlasePlot on the real data' {
    $noData = -not [System.IO.Directory]::Exists([System.IO.Path]::Combine([string]$BlaseDataRoot, 'hpf'))

    BeforeAll {
        # What the help's examples draw (HelpExamples.Tests.ps1 runs them as written), here with sizes to check.
        $data = [string]$BlaseDataRoot
        $clone = Import-BlaseSpectrum ([System.IO.Path]::Combine($data, 'phoenix', 'Z_band_test_sample_lte03900-PHOENIX-ACES.dat')) |
            Select-BlaseSpectrum -Wavelength 8640, 8790 | Invoke-BlaseClone -Teff 3900
        $null = $clone | Export-BlasePlot -Kind LineShape -Path ([System.IO.Path]::Combine($dir, 'lineshape.png'))
        $null = $clone | Export-BlasePlot -Kind Loss -Path ([System.IO.Path]::Combine($dir, 'loss.png'))
        $wasp = Import-BlaseSpectrum ([System.IO.Path]::Combine($data, 'hpf', 'WASP_69_hpf_stack.fits'))
        $result = $wasp | Invoke-BlaseTransfer -Model $clone -BarycentricCorrection 0
        $null = $result | Export-BlasePlot -Kind Spectrum -Spectrum $wasp -Path ([System.IO.Path]::Combine($dir, 'wasp69.png')) -Width 1600
        $null = $result | Export-BlasePlot -Kind EquivalentWidth -Path ([System.IO.Path]::Combine($dir, 'wasp69-ew.png'))
    }

    It 'draws LineShape, Loss, Spectrum and EquivalentWidth figures of a clone and its transfer at the default and asked sizes' -Skip:$noData {
        foreach ($name in 'lineshape.png', 'loss.png', 'wasp69-ew.png') {
            $size = Get-PngSize ([System.IO.Path]::Combine($dir, $name))
            $size.Width | Should -Be 1400
            $size.Height | Should -Be 600
            $size.Bytes | Should -BeGreaterThan 20000
        }
        $spectrum = Get-PngSize ([System.IO.Path]::Combine($dir, 'wasp69.png'))
        $spectrum.Width | Should -Be 1600
        $spectrum.Height | Should -Be 560   # one order: data and model above, residuals beneath
        $spectrum.Bytes | Should -BeGreaterThan 30000
    }

    It 'draws residuals per order, a transfer''s fitted line shapes and a 28-order spectrum at -Width/-Height' -Skip:$noData {
        $res = $result | Export-BlasePlot -Kind Residual -Spectrum $wasp -Path ([System.IO.Path]::Combine($dir, 'res.png')) -Width 900 -Height 300
        $res | Should -BeOfType System.IO.FileInfo
        (Get-PngSize $res.FullName).Width | Should -Be 900
        (Get-PngSize $res.FullName).Height | Should -Be 300
        $shape = $result | Export-BlasePlot -Kind LineShape -Path ([System.IO.Path]::Combine($dir, 'after.png'))
        (Get-PngSize $shape.FullName).Bytes | Should -BeGreaterThan 20000
        $hpf = Import-BlaseSpectrum ([System.IO.Path]::Combine($BlaseDataRoot, 'hpf', 'GJ_699_Slope-20181003T013939_R01.optimal.fits'))
        $all = $hpf | Export-BlasePlot -Kind Spectrum -Path ([System.IO.Path]::Combine($dir, 'gj699.png')) -Width 1000 -Height 500
        $size = Get-PngSize $all.FullName
        $size.Width | Should -Be 1000
        $size.Height | Should -Be 500
        $size.Bytes | Should -BeGreaterThan 30000
    }

    It 'draws a model that covers part of an order (a transfer fits fewer pixels than the order has) over the data beneath it' -Skip:$noData {
        $part = $wasp | Select-BlaseSpectrum -Wavelength 8660, 8700
        $orders = [Blase.Cmdlets.Plots.SpectrumPlot]::Compare($wasp, $part)
        $orders | Should -HaveCount 1
        $orders[0].Wavelength.Length | Should -Be $part.PixelCount
        $orders[0].Data[0] | Should -Be $part.Orders[0].Flux[0]
        $orders[0].ResidualRms | Should -Be 0
        $shifted = [Blase.Engine.Spectra.Spectrum]::FromArrays([double[]]($part.Wavelength | ForEach-Object { $_ + 0.001 }), $part.Flux, $null, 'Angstrom', 'Vacuum', $null)
        { [Blase.Cmdlets.Plots.SpectrumPlot]::Compare($wasp, $shifted) } | Should -Throw '*not the spectrum the transfer was fitted to*'
    }

    It 'refuses a loss curve of a transfer (it keeps no loss history), saying what it has' -Skip:$noData {
        $path = [System.IO.Path]::Combine($dir, 'transfer-loss.png')
        $result | Export-BlasePlot -Kind Loss -Path $path -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errs[0].Exception.Message | Should -BeLike '*keeps no loss history*iterations*'
        $path | Should -Not -Exist
    }
}

Describe 'Export-BlasePlot refusals and file handling' {
    BeforeAll {
        $n = 401
        $wl = [double[]]::new($n); $fl = [double[]]::new($n)
        for ($i = 0; $i -lt $n; $i++) {
            $wl[$i] = 6000 + 0.01 * $i
            $d = $wl[$i] - 6001.2
            $fl[$i] = 1 - 0.3 * [math]::Exp(-0.5 * $d * $d / 0.0016)
        }
        $template = [Blase.Engine.Spectra.Spectrum]::FromArrays($wl, $fl, $null, 'Angstrom', 'Vacuum', $null)
        $model = $template | Invoke-BlaseClone -Normalized -Epochs 5
    }

    It 'draws a clone against its template (Spectrum) and refuses -Kind EquivalentWidth of a model' {
        $file = $model | Export-BlasePlot -Kind Spectrum -Spectrum $template -Path ([System.IO.Path]::Combine($dir, 'clone.png'))
        (Get-PngSize $file.FullName).Height | Should -Be 560
        $model | Export-BlasePlot -Kind EquivalentWidth -Path ([System.IO.Path]::Combine($dir, 'ew.png')) -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errs[0].Exception.Message | Should -BeLike '*before and after a transfer*'
    }

    It 'refuses a model without a spectrum to compare with, and an extension other than .png' {
        $model | Export-BlasePlot -Kind Residual -Path ([System.IO.Path]::Combine($dir, 'r.png')) -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].Exception.Message | Should -BeLike '*give -Spectrum*'
        $model | Export-BlasePlot -Kind LineShape -Path ([System.IO.Path]::Combine($dir, 'shape.jpg')) -ErrorVariable errs2 -ErrorAction SilentlyContinue
        $errs2[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        [System.IO.Path]::Combine($dir, 'shape.jpg') | Should -Not -Exist
    }

    It 'writes nothing with -WhatIf and keeps an existing file unless -Force' {
        $path = [System.IO.Path]::Combine($dir, 'keep.png')
        $model | Export-BlasePlot -Kind Loss -Path $path -WhatIf
        $path | Should -Not -Exist
        Set-Content -LiteralPath $path -Value 'mine'
        $model | Export-BlasePlot -Kind Loss -Path $path -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].Exception.Message | Should -BeLike '*exists*-Force*'
        Get-Content -LiteralPath $path | Should -Be 'mine'
        $model | Export-BlasePlot -Kind Loss -Path $path -Force | Should -BeOfType System.IO.FileInfo
        (Get-PngSize $path).Width | Should -Be 1400
    }
}
