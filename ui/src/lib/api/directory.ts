// Typed wrappers for the directory commands (src-tauri/src/commands/directory.rs).
import { call } from "../ipc";
import type { Agency } from "../generated/Agency";
import type { AgencyFields } from "../generated/AgencyFields";
import type { ContactCategory } from "../generated/ContactCategory";
import type { DirectoryFilter } from "../generated/DirectoryFilter";
import type { DirectoryKind } from "../generated/DirectoryKind";
import type { ImportPreview } from "../generated/ImportPreview";
import type { ImportRequest } from "../generated/ImportRequest";
import type { Person } from "../generated/Person";
import type { PersonFields } from "../generated/PersonFields";
import type { Service } from "../generated/Service";
import type { ServiceFields } from "../generated/ServiceFields";

export const listPeople = (filter: DirectoryFilter) => call<Person[]>("list_people", { filter });
export const addPerson = (fields: PersonFields) => call<Person>("add_person", { fields });
export const updatePerson = (id: number, version: number, fields: PersonFields) =>
  call<Person>("update_person", { id, version, fields });
export const setPersonRetired = (id: number, retired: boolean) => call<Person>("set_person_retired", { id, retired });

export const listAgencies = (filter: DirectoryFilter) => call<Agency[]>("list_agencies", { filter });
export const addAgency = (fields: AgencyFields) => call<Agency>("add_agency", { fields });
export const updateAgency = (id: number, version: number, fields: AgencyFields) =>
  call<Agency>("update_agency", { id, version, fields });
export const setAgencyRetired = (id: number, retired: boolean) => call<Agency>("set_agency_retired", { id, retired });
export const listContactCategories = () => call<ContactCategory[]>("list_contact_categories");
export const addContactCategory = (name: string) => call<ContactCategory>("add_contact_category", { name });

export const listServices = (filter: DirectoryFilter) => call<Service[]>("list_services", { filter });
export const addService = (fields: ServiceFields) => call<Service>("add_service", { fields });
export const updateService = (id: number, version: number, fields: ServiceFields) =>
  call<Service>("update_service", { id, version, fields });
export const setServiceRetired = (id: number, retired: boolean) => call<Service>("set_service_retired", { id, retired });

export const previewImport = (request: ImportRequest) => call<ImportPreview>("preview_import", { request });
export const applyImport = (request: ImportRequest) => call<ImportPreview>("apply_import", { request });
export const exportDirectory = (kind: DirectoryKind) => call<string>("export_directory", { kind });

/** Base64 of bytes, for sending a file as read from disk (the backend finds its encoding). */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}
