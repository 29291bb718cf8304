package open311

import (
	"encoding/json"
	"encoding/xml"
)

// The protocol's documents. JSON is the mechanical mapping of the XML: a
// list is a JSON array, and its XML form is a root element around one
// element per item (the wrappers below).

// Discovery is the service discovery document.
type Discovery struct {
	XMLName    xml.Name   `xml:"discovery" json:"-"`
	Changeset  string     `xml:"changeset" json:"changeset"`
	Contact    string     `xml:"contact" json:"contact"`
	KeyService string     `xml:"key_service" json:"key_service"`
	Endpoints  []Endpoint `xml:"endpoints>endpoint" json:"endpoints"`
}

// Endpoint is one API a discovery document lists.
type Endpoint struct {
	Specification string   `xml:"specification" json:"specification"`
	URL           string   `xml:"url" json:"url"`
	Changeset     string   `xml:"changeset" json:"changeset"`
	Type          string   `xml:"type" json:"type"`
	Formats       []string `xml:"formats>format" json:"formats"`
}

// Service is one service a jurisdiction offers: a case category.
type Service struct {
	ServiceCode string `xml:"service_code" json:"service_code"`
	ServiceName string `xml:"service_name" json:"service_name"`
	Description text   `xml:"description" json:"description"`
	Metadata    bool   `xml:"metadata" json:"metadata"`
	Type        string `xml:"type" json:"type"`
	Keywords    text   `xml:"keywords" json:"keywords"`
	Group       text   `xml:"group" json:"group"`
}

type servicesXML struct {
	XMLName  xml.Name  `xml:"services"`
	Services []Service `xml:"service"`
}

// ServiceDefinition lists the attributes a service's requests carry.
type ServiceDefinition struct {
	XMLName     xml.Name    `xml:"service_definition" json:"-"`
	ServiceCode string      `xml:"service_code" json:"service_code"`
	Attributes  []Attribute `xml:"attributes>attribute" json:"attributes"`
}

// Attribute is one question a service asks.
type Attribute struct {
	Variable            bool    `xml:"variable" json:"variable"`
	Code                string  `xml:"code" json:"code"`
	Datatype            string  `xml:"datatype" json:"datatype"`
	Required            bool    `xml:"required" json:"required"`
	DatatypeDescription text    `xml:"datatype_description" json:"datatype_description"`
	Order               int     `xml:"order" json:"order"`
	Description         string  `xml:"description" json:"description"`
	Values              []Value `xml:"values>value" json:"values"`
}

// Value is one choice of a list attribute.
type Value struct {
	Key  string `xml:"key" json:"key"`
	Name string `xml:"name" json:"name"`
}

// Created is the answer to POST requests.
type Created struct {
	ServiceRequestID string `xml:"service_request_id" json:"service_request_id"`
	Token            string `xml:"token" json:"token"`
	ServiceNotice    text   `xml:"service_notice" json:"service_notice"`
	AccountID        text   `xml:"account_id" json:"account_id"`
}

// TokenAnswer resolves a token to its request.
type TokenAnswer struct {
	ServiceRequestID string `xml:"service_request_id" json:"service_request_id"`
	Token            string `xml:"token" json:"token"`
}

// Request is a service request as GET requests shows it. It carries no
// reporter's name or phone.
type Request struct {
	ServiceRequestID  string   `xml:"service_request_id" json:"service_request_id"`
	Status            string   `xml:"status" json:"status"`
	StatusNotes       text     `xml:"status_notes" json:"status_notes"`
	ServiceName       string   `xml:"service_name" json:"service_name"`
	ServiceCode       string   `xml:"service_code" json:"service_code"`
	Description       text     `xml:"description" json:"description"`
	AgencyResponsible text     `xml:"agency_responsible" json:"agency_responsible"`
	ServiceNotice     text     `xml:"service_notice" json:"service_notice"`
	RequestedDatetime string   `xml:"requested_datetime" json:"requested_datetime"`
	UpdatedDatetime   string   `xml:"updated_datetime" json:"updated_datetime"`
	ExpectedDatetime  text     `xml:"expected_datetime" json:"expected_datetime"`
	Address           text     `xml:"address" json:"address"`
	AddressID         text     `xml:"address_id" json:"address_id"`
	Zipcode           text     `xml:"zipcode" json:"zipcode"`
	Lat               *float64 `xml:"lat,omitempty" json:"lat"`
	Long              *float64 `xml:"long,omitempty" json:"long"`
	MediaURL          text     `xml:"media_url" json:"media_url"`
}

// serviceRequestsXML wraps the answers of POST requests, GET requests,
// GET requests/{id} and GET tokens/{token}.
type serviceRequestsXML[T any] struct {
	XMLName  xml.Name `xml:"service_requests"`
	Requests []T      `xml:"request"`
}

// Error is one entry of an error answer. Code is the HTTP status.
type Error struct {
	Code        int    `xml:"code" json:"code"`
	Description string `xml:"description" json:"description"`
}

type errorsXML struct {
	XMLName xml.Name `xml:"errors"`
	Errors  []Error  `xml:"error"`
}

// text is an optional field: an empty element in XML, null in JSON.
type text string

func (t text) MarshalJSON() ([]byte, error) {
	if t == "" {
		return []byte("null"), nil
	}
	return json.Marshal(string(t))
}
