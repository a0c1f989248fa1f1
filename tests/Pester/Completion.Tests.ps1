# Pester 5 specs for tab completion (TabExpansion2, as the console asks for it): values that come from the files and the
# machine at hand, not only the names PowerShell knows from a parameter's type.
BeforeAll {
    function Get-Completion([string]$line) {
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches
    }
    $library = Join-Path $TestDrive 'phoenix'
    # A PHOENIX library laid out as Husser et al. ship it; the completer reads names, not contents.
    foreach ($name in 'Z-0.0/lte05800-4.50-0.0', 'Z-0.0/lte05800-4.00-0.0', 'Z-0.0/lte06000-4.50-0.0', 'Z-0.5/lte05800-4.50-0.5', 'Z-0.5/lte03900-5.00-0.5') {
        $file = Join-Path $library "$name.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits"
        $null = New-Item -ItemType File -Path $file -Force
    }
    # A three-order spectrum numbered 3, 4 and 7, as an echelle file numbers its orders.
    $orders = foreach ($n in 3, 4, 7) {
        $w = [double[]](0..99 | ForEach-Object { 5000.0 + 100 * $n + 0.5 * $_ })
        [Blase.Engine.Spectra.SpectralOrder]::FromArrays($n, $w, [double[]](0..99 | ForEach-Object { 1.0 }), $null, $null)
    }
    $spectrumFile = Join-Path $TestDrive 'three orders.fits'
    $null = [Blase.Engine.Spectra.Spectrum]::new([Blase.Engine.Spectra.SpectralOrder[]]$orders) | Export-BlaseSpectrum -Path $spectrumFile
}

Describe 'PHOENIX library labels' {
    It 'offers the Teff values the library folder holds' {
        $m = Get-Completion "Import-BlaseSpectrum -Path '$library' -Teff "
        $m.CompletionText | Should -Be @('3900', '5800', '6000')
        ($m | Where-Object CompletionText -eq '5800').ToolTip | Should -Match '3 spectra'
    }

    It 'narrows log g to the Teff given, and [Fe/H] to both' {
        (Get-Completion "Import-BlaseSpectrum -Path '$library' -Teff 5800 -LogG ").CompletionText | Should -Be @('4.00', '4.50')
        (Get-Completion "Import-BlaseSpectrum -Path '$library' -Teff 5800 -LogG 4.5 -Metallicity ").CompletionText | Should -Be @('-0.5', '0.0')
    }

    It 'offers nothing without a library folder' {
        @(Get-Completion "Import-BlaseSpectrum -Path '$TestDrive/nowhere' -Teff ").Count | Should -Be 0
    }
}

Describe 'Order numbers' {
    It 'come from the file of Import-BlaseSpectrum -Path on the same command' {
        $m = Get-Completion "Import-BlaseSpectrum -Path '$spectrumFile' -Order "
        $m.CompletionText | Should -Be @('3', '4', '7')
        ($m | Where-Object CompletionText -eq '4').ToolTip | Should -Match '5400\.00-5449\.50'
    }

    It 'come from the file imported earlier in the pipeline (<Command>)' -ForEach @(
        @{ Command = 'Select-BlaseSpectrum -Order ' }
        @{ Command = 'Invoke-BlaseTransfer -Model $m -Order ' }
    ) {
        (Get-Completion "Import-BlaseSpectrum '$spectrumFile' | $Command").CompletionText | Should -Be @('3', '4', '7')
        (Get-Completion ("Import-BlaseSpectrum -Path '$spectrumFile' | $Command" + '7')).CompletionText | Should -Be @('7')
    }
}
