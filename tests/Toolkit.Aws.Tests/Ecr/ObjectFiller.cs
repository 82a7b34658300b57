using System.Reflection;
using Toolkit.Aws.Ecr;

namespace Toolkit.Aws.Tests.Ecr;

/// <summary>
/// Builds an instance of a model type with every property set (or only the <c>required</c> ones), recursively, by
/// reflection: what a caller could put in a request, independent of the service model.
/// </summary>
internal static class ObjectFiller
{
    public static object Fill(Type type, bool requiredOnly)
    {
        var instance = Activator.CreateInstance(type)!;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var isRequired = property.GetCustomAttributes().Any(a => a.GetType().Name == "RequiredMemberAttribute");
            if (requiredOnly && !isRequired)
            {
                continue;
            }

            property.SetValue(instance, Value(property.PropertyType, requiredOnly));
        }

        return instance;
    }

    private static object Value(Type type, bool requiredOnly)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return "value";
        }

        if (type == typeof(int))
        {
            return 3;
        }

        if (type == typeof(long))
        {
            return 5_000_000_000L;
        }

        if (type == typeof(double))
        {
            return 2.5;
        }

        if (type == typeof(bool))
        {
            return true;
        }

        if (type == typeof(DateTimeOffset))
        {
            return DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_250);
        }

        if (type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEcrEnum<>)))
        {
            return ((System.Collections.IEnumerable)type.GetProperty("KnownValues")!.GetValue(null)!).Cast<object>().First();
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>))
        {
            var list = (System.Collections.IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(type.GetGenericArguments()))!;
            list.Add(Value(type.GetGenericArguments()[0], requiredOnly));
            return list;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>))
        {
            var map = (System.Collections.IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(type.GetGenericArguments()))!;
            map.Add(Value(type.GetGenericArguments()[0], requiredOnly), Value(type.GetGenericArguments()[1], requiredOnly));
            return map;
        }

        if (type.IsClass)
        {
            return Fill(type, requiredOnly);
        }

        throw new NotSupportedException($"No sample value for {type}.");
    }
}
