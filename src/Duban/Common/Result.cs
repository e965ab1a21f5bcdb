namespace Duban.Common;

/// <summary>A business failure: what went wrong, for whom, as an HTTP status and a stable code.</summary>
public sealed record Error(int Status, string Code, string Message)
{
    public static Error Validation(string message) => new(400, "validation", message);
    public static Error NotFound(string what = "事项不存在 / matter not found") => new(404, "not_found", what);
    public static Error Forbidden(string message) => new(403, "forbidden", message);
    public static Error Conflict(string code, string message) => new(409, code, message);
    public static Error StaleVersion(int expected, int actual) =>
        new(409, "stale_version", $"事项已被他人更新（您看到的版本 {expected}，当前版本 {actual}），请刷新后重试 / the matter changed since version {expected}; it is now {actual}");
}

/// <summary>Results, not exceptions, for business failures (CONVENTIONS.md).</summary>
public readonly record struct Result<T>
{
    private Result(T? value, Error? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }
    public Error? Error { get; }
    public bool IsSuccess => Error is null;

    public static implicit operator Result<T>(T value) => new(value, null);
    public static implicit operator Result<T>(Error error) => new(default, error);
}
