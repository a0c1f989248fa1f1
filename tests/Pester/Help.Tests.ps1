# Pester 5 specs for the module's help as pwsh users read it: the about_Blase topic shipped in the module folder.
Describe 'about_Blase' {
    BeforeAll {
        $about = Get-Help about_Blase | Out-String
    }

    It 'is found by Get-Help in the module folder' {
        $module = Get-Module Blase
        Join-Path $module.ModuleBase 'en-US' 'about_Blase.help.txt' | Should -Exist
        $about | Should -Match 'TOPIC\s+about_Blase'
    }

    It 'explains the method, the workflow clone -> transfer -> batch, and the emulators' {
        foreach ($command in 'Invoke-BlaseClone', 'Invoke-BlaseTransfer', 'Invoke-BlaseBatch', 'New-BlaseEmulator', 'Get-BlaseTemplate') {
            $about | Should -Match $command
            Get-Command $command -Module Blase | Should -Not -BeNullOrEmpty
        }
    }

    It 'cites <Work>' -ForEach @(
        @{ Work = 'blase'; Pattern = 'Gully-Santiago & Morley 2022' }
        @{ Work = 'Starfish'; Pattern = 'Czekala.*2015' }
        @{ Work = 'The Payne'; Pattern = 'Ting.*2019' }
        @{ Work = 'the rotation kernel'; Pattern = 'Gray, D\. F\.' }
    ) {
        ($about -replace '\s+', ' ') | Should -Match $Pattern
    }
}
