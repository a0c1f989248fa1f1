namespace Blase.Engine.Compute;

/// <summary>
/// A test hook on a GPU backend's kernel launches: after <see cref="LaunchesBeforeFault"/> launches, each further launch
/// throws the exception <see cref="Fault"/> makes (an ILGPU <c>CudaException</c>, an <see cref="OutOfMemoryException"/>), as a
/// device that dies mid-run would. Lets the fallbacks be tested on ILGPU's CPU simulator, without a GPU. Thread-safe.
/// </summary>
internal sealed class DeviceFaultInjector
{
    private int _launches;

    public DeviceFaultInjector(int launchesBeforeFault, Func<Exception> fault)
    {
        LaunchesBeforeFault = launchesBeforeFault;
        Fault = fault;
    }

    public int LaunchesBeforeFault { get; }
    public Func<Exception> Fault { get; }
    /// <summary>Launches seen so far, the failed ones included.</summary>
    public int Launches => Volatile.Read(ref _launches);

    /// <summary>Called before each kernel launch.</summary>
    public void Launch()
    {
        if (Interlocked.Increment(ref _launches) > LaunchesBeforeFault) throw Fault();
    }
}
