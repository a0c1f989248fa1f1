using Blase.Engine.Compute;

namespace Blase.Engine.Emulators.Neural;

/// <summary>The settings of training a fully connected emulator; every default lives here.</summary>
public sealed record NeuralTrainingOptions
{
    /// <summary>Units in each of the two hidden layers (The Payne: 300).</summary>
    public int HiddenUnits { get; init; } = 300;
    /// <summary>Most passes over the training set.</summary>
    public int MaxEpochs { get; init; } = 1000;
    /// <summary>Spectra per Adam step.</summary>
    public int BatchSize { get; init; } = 128;
    /// <summary>Adam's step size at the start.</summary>
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>The step size is halved after this many epochs without a better validation loss, down to 1/64 of its start.</summary>
    public int DecayPatience { get; init; } = 20;
    /// <summary>Training stops after this many epochs without a better validation loss (the best weights are kept).</summary>
    public int Patience { get; init; } = 50;
    /// <summary>The fraction of the spectra held out to validate (choose the best weights and stop).</summary>
    public double ValidationFraction { get; init; } = 0.1;
    /// <summary>Seed of the initial weights, the split and the batches.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Where the training steps run: Cpu (all cores), Cuda (a GPU through ILGPU), or Auto (a GPU when one works).</summary>
    public DeviceKind Device { get; init; } = DeviceKind.Cpu;
    /// <summary>Run the device kernels on ILGPU's CPU simulator (tests only: orders of magnitude slower than the CPU backend).</summary>
    internal bool Simulator { get; init; }
    /// <summary>A test hook: faults injected into the device backend's kernel launches.</summary>
    internal DeviceFaultInjector? DeviceFaults { get; init; }
    /// <summary>Stop after this long, keeping the best weights (null: no limit).</summary>
    public TimeSpan? TimeLimit { get; init; }
    /// <summary>Save the training state there every so many epochs, and resume from it (<see cref="Fitting.CheckpointOptions"/>); none by default.</summary>
    public Fitting.CheckpointOptions? Checkpoint { get; init; }
}
