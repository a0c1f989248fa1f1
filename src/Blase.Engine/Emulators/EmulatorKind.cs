namespace Blase.Engine.Emulators;

/// <summary>
/// The kinds of grid emulator: PcaGp is Starfish's PCA + Gaussian processes (Czekala et al. 2015); Neural is The Payne's fully
/// connected network (Ting et al. 2019).
/// </summary>
public enum EmulatorKind
{
    PcaGp,
    Neural,
}
