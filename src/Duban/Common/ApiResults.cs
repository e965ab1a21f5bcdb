namespace Duban.Common;

/// <summary>
/// How a business result answers over HTTP, for every feature's API: success as 200 with the
/// value, a failure as RFC 9457 problem details whose status, title and <c>code</c> come from the
/// <see cref="Error"/> (https://duban.dev/problems/&lt;code&gt;).
/// </summary>
public static class ApiResults
{
    public static IResult ToHttp<T>(Result<T> result) => result.IsSuccess ? Results.Ok(result.Value) : Problem(result.Error!);

    public static IResult Problem(Error error) =>
        Results.Problem(statusCode: error.Status, title: error.Message, type: "https://duban.dev/problems/" + error.Code,
            extensions: new Dictionary<string, object?> { ["code"] = error.Code });
}
