namespace Blase.Engine.Emulators;

/// <summary>The kinds of grid emulator: PcaGp is Starfish's PCA + Gaussian processes (Czekala et al. 2015).</summary>
public enum EmulatorKind
{
    PcaGp,
}
