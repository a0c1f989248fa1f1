namespace Blase.Engine.Compute;

/// <summary>
/// A fault on a GPU path in words, for the warning of a run that carried on on the CPU: the exception's type and message
/// (ILGPU's CudaException says which CUDA error it was; an OutOfMemoryException that the memory ran out).
/// </summary>
public static class DeviceFault
{
    public static string Describe(Exception e) =>
        e is AggregateException { InnerExceptions.Count: > 0 } a ? Describe(a.InnerExceptions[0]) : $"{e.GetType().Name}: {e.Message}";
}
