# Pester 5 specs for what users export: spectra, line models and transfer results as flat columns (Export-Csv,
# Export-Excel), line records that name their model, and Excel workbooks with named sheets and numeric cells.
BeforeAll {
    $scratch = Join-Path ([System.IO.Path]::GetTempPath()) "blase-flat-$([guid]::NewGuid())"
    $null = New-Item -ItemType Directory -Path $scratch
    # A small synthetic template (80 lines on 8598-8622 A), its clone, and a transfer to an observation of it.
    $lines = [Blase.Engine.Transfer.ObservationSimulator]::SyntheticLines(80, 8598, 8622, 21)
    $wavelength = [double[]]::new(2601)
    for ($i = 0; $i -lt $wavelength.Length; $i++) { $wavelength[$i] = 8597.0 + 0.01 * $i }
    $meta = [Blase.Engine.Spectra.SpectrumMetadata]::new()
    $meta.Object = 'Flat star'
    $meta.FluxUnit = 'erg/s/cm^2/cm'
    $template = [Blase.Engine.Spectra.Spectrum]::FromArrays($wavelength, $lines.Evaluate($wavelength), $null, 'Angstrom', 'Vacuum', $meta)
    $clone = $template | Invoke-BlaseClone -Normalized
    $clone.Name = 'flat-clone'
    $pixels = [double[]]::new(380)
    for ($i = 0; $i -lt $pixels.Length; $i++) { $pixels[$i] = 8599.0 + 0.06 * $i }
    $continuum = [System.Func[double, double]] { param($w) 1000.0 }
    $order = [Blase.Engine.Transfer.ObservationSimulator]::Observe($clone, $pixels, 5.0, 4.0, 0.6, 55000, $continuum, 200, 7, 0)
    $observed = [Blase.Engine.Spectra.Spectrum]::new([Blase.Engine.Spectra.SpectralOrder[]]@($order))
    $result = $observed | Invoke-BlaseTransfer -Model $clone -BarycentricCorrection 0
    $kinds = @{ Spectrum = $template; Model = $clone; Result = $result }
}

AfterAll {
    Remove-Item -LiteralPath $scratch -Recurse -Force -ErrorAction Ignore
}

Describe 'Export-Csv of Blase objects' {
    It 'writes flat columns for a <Kind>, no arrays or type names' -ForEach @(
        @{ Kind = 'Spectrum'; Columns = 'Name', 'PixelCount', 'MinWavelength', 'MaxWavelength', 'Medium', 'Object', 'FluxUnit' }
        @{ Kind = 'Model'; Columns = 'Name', 'Count', 'Profile', 'Rms', 'Iterations' }
        @{ Kind = 'Result'; Columns = 'Spectrum', 'Template', 'RadialVelocity', 'RadialVelocityError', 'Vsini', 'ResidualRms', 'Converged' }
    ) {
        $path = Join-Path $scratch "$Kind.csv"
        $kinds[$Kind] | Export-Csv -LiteralPath $path
        $rows = @(Import-Csv -LiteralPath $path)
        $rows.Count | Should -Be 1
        $names = $rows[0].PSObject.Properties.Name
        foreach ($c in $Columns) { $names | Should -Contain $c }
        foreach ($p in $rows[0].PSObject.Properties) {
            $p.Value | Should -Not -Match '^(System|Blase)\.' -Because "column $($p.Name) of a $Kind should hold a value, not a type name"
        }
    }

    It 'keeps the arrays and nested objects reachable by name' {
        $template.Flux.Count | Should -Be $template.PixelCount
        $clone.Center.Count | Should -Be $clone.Count
        $result.Model.Count | Should -Be $clone.Count
        $template.Metadata.Object | Should -Be 'Flat star'
        ($template | Where-Object PixelCount -eq 2601) | Should -Not -BeNullOrEmpty
        $template.Wavelength[0] | Should -Be 8597.0
    }
}

Describe 'Line records' {
    It 'name their model (Get-BlaseLine of a <Kind>)' -ForEach @(@{ Kind = 'Model' }, @{ Kind = 'Result' }) {
        $records = @($kinds[$Kind] | Get-BlaseLine)
        $records.Count | Should -BeGreaterThan 10
        $records | ForEach-Object { $_.Model | Should -Be 'flat-clone' }
        $path = Join-Path $scratch "lines-$Kind.csv"
        $records | Export-Csv -LiteralPath $path
        (Import-Csv -LiteralPath $path)[0].Model | Should -Be 'flat-clone'
    }
}

Describe 'Export-BlaseLines to Excel' {
    It 'writes a <Kind> to the sheets lines and summary, numbers as numbers' -ForEach @(
        @{ Kind = 'Model'; Figure = 'RmsNative' }
        @{ Kind = 'Result'; Figure = 'RadialVelocity' }
    ) {
        $path = Join-Path $scratch "lines-$Kind.xlsx"
        $null = $kinds[$Kind] | Export-BlaseLines -Path $path
        [MiniExcelLibs.MiniExcel]::GetSheetNames($path) | Should -Be @('lines', 'summary')
        $rows = @([MiniExcelLibs.MiniExcel]::Query($path, $true, 'lines'))
        $rows.Count | Should -Be $clone.Count
        $rows[0]['CenterAngstrom'] | Should -BeOfType [double]
        $rows[0]['Model'] | Should -Be 'flat-clone'
        $sheet = @([MiniExcelLibs.MiniExcel]::Query($path, $true, 'summary'))
        ($sheet | Where-Object { $_['Item'] -eq 'Model' })['Value'] | Should -Be 'flat-clone'
        ($sheet | Where-Object { $_['Item'] -eq $Figure })['Value'] | Should -BeOfType [double]
        ($sheet | Where-Object { $_['Item'] -eq 'Provenance1' })['Value'] | Should -Not -BeNullOrEmpty
        ($sheet | Where-Object { $_['Item'] -eq 'Column CenterAngstrom' })['Unit'] | Should -Be 'Angstrom'
    }
}
