using CsCheck;

namespace Duban.Tests.Infrastructure;

/// <summary>
/// CsCheck's Sample, with the failure itself in the test's message: CsCheck names the seed and the
/// shrunk input, and this adds the exception that the last failing input raised (type and stack).
/// </summary>
public static class PropertyCheck
{
    public static void Sample<T>(Gen<T> gen, Action<T> property, long iter, int threads = -1)
    {
        Exception? last = null;
        try
        {
            gen.Sample(value =>
            {
                try
                {
                    property(value);
                }
                catch (Exception e)
                {
                    Volatile.Write(ref last, e);
                    throw;
                }
            }, iter: iter, threads: threads);
        }
        catch (CsCheckException e)
        {
            throw new Xunit.Sdk.XunitException(e.Message + Environment.NewLine + Volatile.Read(ref last), e);
        }
    }
}
