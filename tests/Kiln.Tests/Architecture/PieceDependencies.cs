using Mono.Cecil;

namespace Kiln.Tests.Architecture;

/// <summary>
/// Every reference from a type of one of Kiln's pieces to a type of another, read from the compiled assembly:
/// signatures, fields, base types, attributes, generic arguments and the operands of every method body.
/// A piece is the first namespace segment under <c>Kiln</c> (<c>Kiln.Preview.Errors</c> is Preview).
/// </summary>
internal static class PieceDependencies
{
    public sealed record Reference(string FromPiece, string FromType, string ToPiece, string ToType);

    public static IReadOnlyList<Reference> Read(string assemblyPath)
    {
        using var module = ModuleDefinition.ReadModule(assemblyPath);
        var references = new HashSet<Reference>();
        foreach (var type in module.GetTypes())
        {
            var from = PieceOf(type);
            if (from is null)
            {
                continue;
            }

            var owner = Outermost(type).FullName;
            foreach (var target in Referenced(type))
            {
                if (target.Module != module && target.Scope is not ModuleDefinition)
                {
                    continue;
                }

                var resolved = target.Resolve();
                if (resolved is null || resolved.Module != module)
                {
                    continue;
                }

                var to = PieceOf(resolved);
                if (to is not null && to != from)
                {
                    references.Add(new Reference(from, owner, to, Outermost(resolved).FullName));
                }
            }
        }

        return [.. references.OrderBy(r => r.FromPiece).ThenBy(r => r.FromType).ThenBy(r => r.ToType)];
    }

    /// <summary>The piece a type belongs to: its outermost declaring type's namespace, first segment after Kiln.</summary>
    public static string? PieceOf(TypeDefinition type)
    {
        var ns = Outermost(type).Namespace;
        if (ns == "Kiln")
        {
            return "Kiln";
        }

        if (!ns.StartsWith("Kiln.", StringComparison.Ordinal))
        {
            return null;
        }

        var rest = ns["Kiln.".Length..];
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? rest : rest[..dot];
    }

    private static TypeDefinition Outermost(TypeDefinition type)
    {
        while (type.DeclaringType is not null)
        {
            type = type.DeclaringType;
        }

        return type;
    }

    private static IEnumerable<TypeReference> Referenced(TypeDefinition type)
    {
        if (type.BaseType is not null)
        {
            foreach (var t in Expand(type.BaseType)) yield return t;
        }

        foreach (var i in type.Interfaces)
        {
            foreach (var t in Expand(i.InterfaceType)) yield return t;
        }

        foreach (var t in Attributes(type.CustomAttributes)) yield return t;
        foreach (var p in type.GenericParameters.SelectMany(g => g.Constraints))
        {
            foreach (var t in Expand(p.ConstraintType)) yield return t;
        }

        foreach (var field in type.Fields)
        {
            foreach (var t in Expand(field.FieldType)) yield return t;
            foreach (var t in Attributes(field.CustomAttributes)) yield return t;
        }

        foreach (var property in type.Properties)
        {
            foreach (var t in Expand(property.PropertyType)) yield return t;
            foreach (var t in Attributes(property.CustomAttributes)) yield return t;
        }

        foreach (var e in type.Events)
        {
            foreach (var t in Expand(e.EventType)) yield return t;
        }

        foreach (var method in type.Methods)
        {
            foreach (var t in Expand(method.ReturnType)) yield return t;
            foreach (var t in Attributes(method.CustomAttributes)) yield return t;
            foreach (var parameter in method.Parameters)
            {
                foreach (var t in Expand(parameter.ParameterType)) yield return t;
                foreach (var t in Attributes(parameter.CustomAttributes)) yield return t;
            }

            if (!method.HasBody)
            {
                continue;
            }

            foreach (var variable in method.Body.Variables)
            {
                foreach (var t in Expand(variable.VariableType)) yield return t;
            }

            foreach (var instruction in method.Body.Instructions)
            {
                switch (instruction.Operand)
                {
                    case TypeReference t:
                        foreach (var x in Expand(t)) yield return x;
                        break;
                    case MethodReference m:
                        foreach (var x in Expand(m.DeclaringType)) yield return x;
                        foreach (var x in Expand(m.ReturnType)) yield return x;
                        foreach (var p in m.Parameters)
                        {
                            foreach (var x in Expand(p.ParameterType)) yield return x;
                        }

                        if (m is GenericInstanceMethod g)
                        {
                            foreach (var a in g.GenericArguments)
                            {
                                foreach (var x in Expand(a)) yield return x;
                            }
                        }

                        break;
                    case FieldReference f:
                        foreach (var x in Expand(f.DeclaringType)) yield return x;
                        foreach (var x in Expand(f.FieldType)) yield return x;
                        break;
                }
            }
        }
    }

    private static IEnumerable<TypeReference> Attributes(IEnumerable<CustomAttribute> attributes)
    {
        foreach (var attribute in attributes)
        {
            foreach (var t in Expand(attribute.AttributeType)) yield return t;
            foreach (var argument in attribute.ConstructorArguments.Concat(attribute.Properties.Select(p => p.Argument)))
            {
                if (argument.Value is TypeReference t)
                {
                    foreach (var x in Expand(t)) yield return x;
                }
            }
        }
    }

    private static IEnumerable<TypeReference> Expand(TypeReference? type)
    {
        switch (type)
        {
            case null:
            case GenericParameter:
                yield break;
            case GenericInstanceType generic:
                foreach (var t in Expand(generic.ElementType)) yield return t;
                foreach (var argument in generic.GenericArguments)
                {
                    foreach (var t in Expand(argument)) yield return t;
                }

                break;
            case TypeSpecification specification:
                foreach (var t in Expand(specification.ElementType)) yield return t;
                break;
            default:
                yield return type;
                break;
        }
    }
}
