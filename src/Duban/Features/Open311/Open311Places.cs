using System.Globalization;
using Duban.Features.Geo;

namespace Duban.Features.Open311;

/// <summary>
/// A point an Open311 client sends (<c>lat</c>/<c>long</c>, WGS 84) as a division of the home city: the county
/// whose government seat lies nearest, within <see cref="MaxKilometres"/>. The gazetteer (Features/Geo) holds names,
/// not shapes, so a point is placed to the county only; an <c>address_string</c> sent with it places the matter
/// finer (to the town or village) and wins. The seats are Jiangmen's; another home city places no point.
/// </summary>
public sealed class Open311Places(GeoService geo, Units.AdminScope home)
{
    /// <summary>Farther than this from every seat is outside the city (Jiangmen's farthest islands are some 65 km from 台城).</summary>
    public const double MaxKilometres = 80;

    /// <summary>
    /// The county-level governments' seats of 江门市 (440700), approximate (to 0.01°, some hundred metres), read from
    /// public maps: enough to tell the counties apart, which is all a seat is used for here.
    /// </summary>
    private static readonly (string Code, double Lat, double Long)[] Seats =
    [
        ("440703", 22.60, 113.08), // 蓬江区
        ("440704", 22.56, 113.11), // 江海区
        ("440705", 22.46, 113.03), // 新会区
        ("440781", 22.25, 112.79), // 台山市
        ("440783", 22.38, 112.70), // 开平市
        ("440784", 22.77, 112.96), // 鹤山市
        ("440785", 22.18, 112.30), // 恩平市
    ];

    public sealed record Place(string Code, string Name);

    /// <summary>The county the point lies in, or null: outside the city, or a home city without seats.</summary>
    public Place? Resolve(double lat, double lon)
    {
        var divisions = geo.Gazetteer.Divisions;
        (string Code, double Km)? best = null;
        foreach (var seat in Seats)
        {
            if (!seat.Code.StartsWith(home.Home[..4], StringComparison.Ordinal)) continue;
            var km = Kilometres(lat, lon, seat.Lat, seat.Long);
            if (best is null || km < best.Value.Km) best = (seat.Code, km);
        }
        if (best is not { } found || found.Km > MaxKilometres) return null;
        var i = divisions.Find(found.Code);
        return i <= 0 ? null : new Place(found.Code, divisions.Name(i));
    }

    /// <summary>How the matter's location reads for staff when the client sent only a point.</summary>
    public static string Describe(Place place, double lat, double lon) =>
        string.Create(CultureInfo.InvariantCulture, $"{place.Name}（坐标 {lat:0.######}, {lon:0.######}）");

    private static double Kilometres(double lat1, double lon1, double lat2, double lon2)
    {
        const double R = 6371;
        double Rad(double d) => d * Math.PI / 180;
        var dLat = Rad(lat2 - lat1);
        var dLon = Rad(lon2 - lon1);
        var a = Math.Sin(dLat / 2) * Math.Sin(dLat / 2) + Math.Cos(Rad(lat1)) * Math.Cos(Rad(lat2)) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2);
        return 2 * R * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }
}
